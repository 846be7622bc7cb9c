"""How a commune organises the work: the steering committee, a team per
hamlet, the health team, their members and positions, and which staff serve
which hamlets."""
