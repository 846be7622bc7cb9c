"""Moving: when a person moves to another commune on the platform, the
receiving commune gets the file through a transfer its chief accepts, and
both keep the history readable under the audit rules."""
