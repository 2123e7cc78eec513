"""政策兑现 services: entitlements from a finished batch match to the money on the enterprise's account.

比对 → 推送 → 确认 → 审核 → 公示 → 兑付 → 归档. What may follow what is `workflow` (pure); budgets are
`budget` (pure); these modules are the service layer, one per stage of the lifecycle:

- `common`: the refusal error, deadlines from the working-day calendar, who may act on which entitlement;
- `sync`: entitlements from a match run (COPY on PostgreSQL), deadlines counted once a year is entered;
- `confirm`: push to enterprises and their confirmation;
- `review`: approval with budget control, rejection, withdrawal, review flags and notes;
- `notices`: 公示 and objections;
- `payments`: payments one by one or by the finance bureau's file, and archiving;
- `timeline`: what happened to one entitlement, and which are overdue;
- `outreach`: 需确认 pairs, which stay match results until a 核实推送 tells their enterprises.

Every state change is one transaction, saved with its history and a change reason naming the action.
Every refusal is `EntitlementRefused` with a Chinese message; nothing is changed when one is raised.
The user-facing rules are in docs/entitlements.md. Callers import from this package, not the modules.
"""

from yingshang.entitlements.services.common import (
    ABSENT_REASON,
    BATCH_SIZE,
    CHANGED_REASON,
    OBJECTION_REASON,
    PUSH_TOPIC,
    SYNC_LOCK,
    VIA_CHOICES,
    EntitlementRefused,
    case_of,
    deadlines,
    department_handles,
    due_problem,
    own_entitlements,
    reviewable_by,
    stage_due,
    visible_entitlements,
)
from yingshang.entitlements.services.confirm import (
    ACCOUNT_RE,
    OBJECTION_MAX_CHARS,
    PHONE_RE,
    confirm_entitlement,
    mark_seen,
    push_entitlements,
)
from yingshang.entitlements.services.notices import (
    open_objections,
    publish_notice,
    raise_objection,
    resolve_objection,
)
from yingshang.entitlements.services.outreach import (
    OutreachLine,
    PossibleLine,
    enlist_for_confirmation,
    ledger_run,
    outreach_lines,
    possible_by_item,
    possible_results,
    push_for_confirmation,
)
from yingshang.entitlements.services.payments import (
    PAYMENT_HEADERS,
    PaymentImportResult,
    archive_entitlement,
    export_payment_batch,
    import_payment_file,
    payment_batch_workbook,
    record_payment,
)
from yingshang.entitlements.services.review import (
    ApprovalOutcome,
    BudgetStatus,
    annotate,
    approve_entitlements,
    awaiting_review_q,
    budget_cap,
    budget_status,
    clear_review,
    committed_fen,
    reject_entitlement,
    withdraw_entitlement,
)
from yingshang.entitlements.services.sync import (
    DEADLINE_FILLED,
    SYNC_FIELDS,
    SyncSummary,
    create_entitlements_from_run,
    fill_missing_deadlines,
    stage_entered_on,
)
from yingshang.entitlements.services.timeline import (
    TimelineEntry,
    overdue_entitlements,
    overdue_q,
    timeline,
)

__all__ = [
    "ABSENT_REASON",
    "ACCOUNT_RE",
    "BATCH_SIZE",
    "CHANGED_REASON",
    "DEADLINE_FILLED",
    "OBJECTION_MAX_CHARS",
    "OBJECTION_REASON",
    "PAYMENT_HEADERS",
    "PHONE_RE",
    "PUSH_TOPIC",
    "SYNC_FIELDS",
    "SYNC_LOCK",
    "VIA_CHOICES",
    "ApprovalOutcome",
    "BudgetStatus",
    "EntitlementRefused",
    "OutreachLine",
    "PaymentImportResult",
    "PossibleLine",
    "SyncSummary",
    "TimelineEntry",
    "annotate",
    "approve_entitlements",
    "archive_entitlement",
    "awaiting_review_q",
    "budget_cap",
    "budget_status",
    "case_of",
    "clear_review",
    "committed_fen",
    "confirm_entitlement",
    "create_entitlements_from_run",
    "deadlines",
    "department_handles",
    "due_problem",
    "enlist_for_confirmation",
    "export_payment_batch",
    "fill_missing_deadlines",
    "import_payment_file",
    "ledger_run",
    "mark_seen",
    "open_objections",
    "outreach_lines",
    "overdue_entitlements",
    "overdue_q",
    "own_entitlements",
    "payment_batch_workbook",
    "possible_by_item",
    "possible_results",
    "publish_notice",
    "push_entitlements",
    "push_for_confirmation",
    "raise_objection",
    "record_payment",
    "reject_entitlement",
    "resolve_objection",
    "reviewable_by",
    "stage_due",
    "stage_entered_on",
    "timeline",
    "visible_entitlements",
    "withdraw_entitlement",
]
