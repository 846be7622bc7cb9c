"""Field encryption: a data key per commune, wrapped by the master key.

Sensitive fields (identification numbers, phones, addresses, notes, tips)
are stored as AES-GCM ciphertext under their commune's data key, so a
stolen dump reads as noise; exact look-ups go through a keyed blind index.
Destroying a commune's data key makes its encrypted fields unreadable.
"""
