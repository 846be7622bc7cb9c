"""The stable surface of core for plugins: import from here, nothing deeper.

Core's insides may move between versions; the names below stay. A plugin
that needs something not offered here should ask for it to be added rather
than reach past this module.
"""

from __future__ import annotations

from core.access.permissions import Permission
from core.access.policy import (
    caller_holds,
    hamlet_scope,
    public,
    requires,
    signed_in,
)
from core.access.service import named, staff_of
from core.api.conditional import (
    IF_MATCH_PARAMETER,
    check_if_match,
    etag_headers,
)
from core.api.pagination import PAGINATION, page_of
from core.api.uploads import accepts_upload
from core.api.visibility import Restricted, show_everything
from core.audit.trail import record as audit
from core.audit.trail import untraced
from core.cases.models import Case
from core.cases.rules import add_months, add_working_days, age_group, court_term
from core.cases.rules import in_force as ruleset_in_force
from core.cases.service import close as close_case
from core.cases.service import open_case, open_cases
from core.crypto.fields import (
    EncryptedBytes,
    EncryptedText,
    blind_index,
    open_apart,
    seal_apart,
)
from core.db import (
    Actor,
    Base,
    Recorded,
    Timestamped,
    UtcDateTime,
    add_once,
    local_today,
    new_id,
    request_session,
    stamp,
    start_of,
    text_enum,
    utcnow,
)
from core.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    Problem,
    TooManyRequests,
    field_error,
    in_callers_language,
    not_after_today,
    refuse,
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
from core.fonts import SANS as SANS_FONT
from core.fonts import SANS_BOLD as SANS_BOLD_FONT
from core.hamlets.models import Hamlet
from core.identity.authn import csrf_exempt
from core.identity.service import display_name
from core.identity.sso import forget_resident_identity, resident_identity
from core.identity.throttle import limiter
from core.jobs.outbox import enqueue_job
from core.mentoring.service import current_assignment, officer_or_chief
from core.people.models import Person, person_reference
from core.people.reach import (
    note_read,
    page_read,
    people_in_reach,
    people_to_choose,
    reachable,
)
from core.plugin_host.contributions import (
    Event,
    JobDefinition,
    MenuItem,
    Metric,
    PeriodicJob,
    PersonPage,
    PluginInfo,
    PublicPage,
    TimelineEntry,
)
from core.plugin_host.hookspecs import hookimpl
from core.plugin_host.service import plugin_settings
from core.text import tidy
from core.web.forms import (
    Refusal,
    attempt,
    check_version,
    choices,
    flash_refusal,
    read_form,
)
from core.web.words import N_
from core.worklist.models import ItemStatus, WorkItem
from core.worklist.service import (
    CHIEF_DESK,
    HEALTH_DESK,
    Assignee,
    raise_item,
    resolve,
)
from tenants.isolation import TenantOwned, bound_commune

__all__ = [
    "CHIEF_DESK",
    "DOCUMENTS",
    "DOWNLOAD_RESPONSE",
    "HEALTH_DESK",
    "IF_MATCH_PARAMETER",
    "N_",
    "PAGINATION",
    "PHOTOS",
    "SANS_BOLD_FONT",
    "SANS_FONT",
    "Actor",
    "Assignee",
    "Base",
    "Case",
    "Conflict",
    "EncryptedBytes",
    "EncryptedText",
    "Event",
    "FileUploadSchema",
    "Forbidden",
    "Hamlet",
    "Invalid",
    "ItemStatus",
    "JobDefinition",
    "MenuItem",
    "Metric",
    "NotFound",
    "PeriodicJob",
    "Permission",
    "Person",
    "PersonPage",
    "PluginInfo",
    "Problem",
    "PublicPage",
    "Recorded",
    "Refusal",
    "Restricted",
    "StoredFile",
    "StoredFileSchema",
    "TenantOwned",
    "TimelineEntry",
    "Timestamped",
    "TooManyRequests",
    "UtcDateTime",
    "WorkItem",
    "accepts_upload",
    "add_months",
    "add_once",
    "add_working_days",
    "age_group",
    "attempt",
    "audit",
    "blind_index",
    "bound_commune",
    "caller_holds",
    "check_if_match",
    "check_version",
    "choices",
    "close_case",
    "court_term",
    "csrf_exempt",
    "current_assignment",
    "delete_file",
    "display_name",
    "download",
    "enqueue_job",
    "etag_headers",
    "field_error",
    "flash_refusal",
    "forget_resident_identity",
    "from_upload",
    "get_file",
    "hamlet_scope",
    "hookimpl",
    "in_callers_language",
    "limiter",
    "local_today",
    "named",
    "new_id",
    "not_after_today",
    "note_read",
    "officer_or_chief",
    "open_apart",
    "open_case",
    "open_cases",
    "page_of",
    "page_read",
    "people_in_reach",
    "people_to_choose",
    "person_reference",
    "plugin_settings",
    "public",
    "raise_item",
    "reachable",
    "read_form",
    "refuse",
    "request_session",
    "requires",
    "resident_identity",
    "resolve",
    "ruleset_in_force",
    "seal_apart",
    "show_everything",
    "signed_in",
    "staff_of",
    "stamp",
    "start_of",
    "store_file",
    "text_enum",
    "tidy",
    "untraced",
    "utcnow",
]
