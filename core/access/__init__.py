"""What someone may do: permissions, roles, memberships and the checks on routes."""
