"""The stable surface of core for plugins: import from here, nothing deeper.

Core's insides may move between versions; the names below stay. A plugin
that needs something not offered here should ask for it to be added rather
than reach past this module.
"""

from __future__ import annotations

from core.access.permissions import Permission
from core.access.policy import hamlet_scope, public, requires, signed_in
from core.access.service import staff_of
from core.api.conditional import (
    IF_MATCH_PARAMETER,
    check_if_match,
    etag_headers,
)
from core.api.pagination import PAGINATION, page_of
from core.api.uploads import accepts_upload
from core.crypto.fields import EncryptedBytes, EncryptedText, blind_index
from core.db import Base, Timestamped, UtcDateTime, new_id, request_session, utcnow
from core.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    Problem,
    field_error,
)
from core.files.api import (
    DOWNLOAD_RESPONSE,
    FileUploadSchema,
    StoredFileSchema,
    download,
    from_upload,
)
from core.files.models import StoredFile
from core.files.service import DOCUMENTS, PHOTOS
from core.files.service import delete as delete_file
from core.files.service import get as get_file
from core.files.service import store as store_file
from core.jobs.outbox import enqueue_job
from core.plugin_host.contributions import (
    Event,
    JobDefinition,
    MenuItem,
    Metric,
    PeriodicJob,
    PluginInfo,
    TimelineEntry,
)
from core.plugin_host.hookspecs import hookimpl
from core.plugin_host.service import plugin_settings
from tenants.isolation import TenantOwned

__all__ = [
    "DOCUMENTS",
    "DOWNLOAD_RESPONSE",
    "IF_MATCH_PARAMETER",
    "PAGINATION",
    "PHOTOS",
    "Base",
    "Conflict",
    "EncryptedBytes",
    "EncryptedText",
    "Event",
    "FileUploadSchema",
    "Forbidden",
    "Invalid",
    "JobDefinition",
    "MenuItem",
    "Metric",
    "NotFound",
    "PeriodicJob",
    "Permission",
    "PluginInfo",
    "Problem",
    "StoredFile",
    "StoredFileSchema",
    "TenantOwned",
    "TimelineEntry",
    "Timestamped",
    "UtcDateTime",
    "accepts_upload",
    "blind_index",
    "check_if_match",
    "delete_file",
    "download",
    "enqueue_job",
    "etag_headers",
    "field_error",
    "from_upload",
    "get_file",
    "hamlet_scope",
    "hookimpl",
    "new_id",
    "page_of",
    "plugin_settings",
    "public",
    "request_session",
    "requires",
    "signed_in",
    "staff_of",
    "store_file",
    "utcnow",
]
