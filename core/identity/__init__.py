"""Who someone is: user accounts, passwords, TOTP, browser sessions, API tokens."""
