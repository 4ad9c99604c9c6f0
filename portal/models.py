"""Every package's tables, imported in one place so that metadata and Alembic see them all."""

from portal.auth.models import AuditEvent, Dependant, PasswordResetToken, RoleAssignment, User  # noqa: F401
from portal.dashboard import models as dashboard_models  # noqa: F401  (indexes on the tables below)
from portal.education import models as education_models  # noqa: F401
from portal.health import models as health_models  # noqa: F401
from portal.notifications.models import Message  # noqa: F401
from portal.submissions import FormSubmission  # noqa: F401
