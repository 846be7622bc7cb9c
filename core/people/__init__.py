"""People the commune manages or supports (người trong diện quản lý): their
confidential file, shown to each role only as far as its work needs."""
