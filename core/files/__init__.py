"""Encrypted attachments: scanned commitments, dossier papers, tip photos.

A file is stored once, encrypted under its commune's data key, and reached
only through what it is attached to (a commitment's scans, a tip's photos),
whose permission and reach decide who may fetch it. There is therefore no
route of its own: owners link to :class:`~core.files.models.StoredFile` and
use :mod:`core.files.service` and the helpers of :mod:`core.files.api`.
"""
