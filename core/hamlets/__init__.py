"""Hamlets (xóm, thôn, bản, tổ dân phố): the first commune-owned resource."""
