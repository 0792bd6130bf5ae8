"""The domain model; importing this package registers every table."""

from app.models.allocation import AllocationPlacement, AllocationRun
from app.models.caseload import CaseloadReminder
from app.models.demand import SearchDemand
from app.models.licence_imports import LicenceImport
from app.models.outbox import OutboxMessage
from app.models.plan_history import PlanChange, PlanVersion
from app.models.plans import (
    DevelopmentPlan,
    PlanGoal,
    PlanNeed,
    PlanReview,
    ReflectiveLogEntry,
)
from app.models.profile_changes import ProfileChange
from app.models.profiles import CoachProfile, SupporterProfile
from app.models.reflective_log import GoalProgress, LogComment
from app.models.request_messages import RequestMessage
from app.models.requests import Engagement, SupportRequest
from app.models.saved_searches import SavedSearch, SavedSearchMatch
from app.models.sign_ins import SignIn
from app.models.system import (
    AuditEvent,
    DataVersion,
    GeocodeCacheEntry,
    RankingWeights,
    SearchChange,
    WidgetKey,
)
from app.models.taxonomy import (
    EventGroup,
    Need,
    Qualification,
    QualificationFramework,
    SupportRole,
)
from app.models.unanswered_reports import UnansweredReport
from app.models.users import DELETED_NAME, User, UserRole, name_of
from app.models.waitlists import WaitlistPlace
from app.models.weights import DailySearchCount, WeightSampleSearch

__all__ = [
    "DELETED_NAME",
    "AllocationPlacement",
    "AllocationRun",
    "AuditEvent",
    "CaseloadReminder",
    "CoachProfile",
    "DailySearchCount",
    "DataVersion",
    "DevelopmentPlan",
    "Engagement",
    "EventGroup",
    "GeocodeCacheEntry",
    "GoalProgress",
    "LicenceImport",
    "LogComment",
    "Need",
    "OutboxMessage",
    "PlanChange",
    "PlanGoal",
    "PlanNeed",
    "PlanReview",
    "PlanVersion",
    "ProfileChange",
    "Qualification",
    "QualificationFramework",
    "RankingWeights",
    "ReflectiveLogEntry",
    "RequestMessage",
    "SavedSearch",
    "SavedSearchMatch",
    "SearchChange",
    "SearchDemand",
    "SignIn",
    "SupportRequest",
    "SupporterProfile",
    "SupportRole",
    "UnansweredReport",
    "User",
    "UserRole",
    "WaitlistPlace",
    "WeightSampleSearch",
    "WidgetKey",
    "name_of",
]
