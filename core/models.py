"""Imports every model of core and tenants, so the shared metadata is whole.

Migrations, the schema tests and the isolation harness read the metadata;
a model module missing here would be invisible to all three.
"""

from __future__ import annotations

from core.access import models as access_models
from core.audit import models as audit_models
from core.breakglass import models as breakglass_models
from core.cases import models as case_models
from core.commitments import models as commitment_models
from core.crypto import models as crypto_models
from core.db import Base
from core.files import models as file_models
from core.hamlets import models as hamlet_models
from core.identity import models as identity_models
from core.jobs import models as job_models
from core.mentoring import models as mentoring_models
from core.organisation import models as organisation_models
from core.people import models as people_models
from core.plugin_host import models as plugin_models
from core.statistics import models as statistics_models
from core.support import models as support_models
from core.transfers import models as transfer_models
from core.worklist import models as worklist_models
from tenants import models as tenant_models

MODEL_MODULES = (
    tenant_models,
    identity_models,
    access_models,
    hamlet_models,
    job_models,
    plugin_models,
    audit_models,
    crypto_models,
    breakglass_models,
    people_models,
    organisation_models,
    case_models,
    mentoring_models,
    worklist_models,
    transfer_models,
    file_models,
    commitment_models,
    support_models,
    statistics_models,
)

metadata = Base.metadata
