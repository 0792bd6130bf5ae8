"""The domain model; importing this package registers every table."""

from app.models.outbox import OutboxMessage
from app.models.plans import (
    DevelopmentPlan,
    PlanGoal,
    PlanNeed,
    PlanReview,
    ReflectiveLogEntry,
)
from app.models.profiles import CoachProfile, SupporterProfile
from app.models.request_messages import RequestMessage
from app.models.requests import Engagement, SupportRequest
from app.models.system import (
    AuditEvent,
    DataVersion,
    GeocodeCacheEntry,
    RankingWeights,
    WidgetKey,
)
from app.models.taxonomy import (
    EventGroup,
    Need,
    Qualification,
    QualificationFramework,
    SupportRole,
)
from app.models.users import User, UserRole

__all__ = [
    "AuditEvent",
    "CoachProfile",
    "DataVersion",
    "DevelopmentPlan",
    "Engagement",
    "EventGroup",
    "GeocodeCacheEntry",
    "Need",
    "OutboxMessage",
    "PlanGoal",
    "PlanNeed",
    "PlanReview",
    "Qualification",
    "QualificationFramework",
    "RankingWeights",
    "ReflectiveLogEntry",
    "RequestMessage",
    "SupportRequest",
    "SupporterProfile",
    "SupportRole",
    "User",
    "UserRole",
    "WidgetKey",
]
