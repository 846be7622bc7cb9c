"""Cases (hồ sơ quản lý): periods of management with their legal basis, and
the legal periods, kept as data, that give each case its dates."""
