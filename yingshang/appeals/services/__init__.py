"""接诉即办 services: the only place that writes appeals. One transaction per action, each with its
timeline event; every refusal is `AppealRefused` with a Chinese message and nothing changed.

- `common`: the refusal, the limits, who sees and who acts, deadlines from the working-day calendar;
- `intake`: receiving an appeal (checks, rate limits, numbering, direct dispatch), the tracking link,
  the enterprise's own appeals;
- `handling`: dispatch, sign, return, suspend/resume, extensions, the reply, rating and reopening,
  closing and merging;
- `sweep`: 预警 and 督办 over every open appeal;
- `router`: training a routing model in the background, activating it, proposing categories;
- `ratings`: 好差评 of windows and departments, a 差评 followed as an appeal;
- `hotline`: the 12345 hotline import (upload, mapping, preview, all-or-nothing confirm), used as
  `from yingshang.appeals.services import hotline`.

Who may act: the 营商办 (appeals.dispatch) dispatches, decides extensions, closes and merges; the
handling department's staff (appeals.handle, the appeal's 主办) sign, send back, suspend, reply; the
requester rates through the secret tracking link (or a clerk records the phone 回访). Which rows a
person reaches is core.scope's. Callers import from this package, not the modules.
"""

from yingshang.appeals.services.common import (
    DISCIPLINE_WORDS,
    TEXT_MAX_CHARS,
    TITLE_MAX_CHARS,
    AppealRefused,
    fill_missing_deadlines,
    limits,
    sees_contact,
    set_deadlines,
    visible_appeals,
    workdays_left,
)
from yingshang.appeals.services.handling import (
    RATING_LABELS,
    add_assist,
    answer_assist,
    close_appeal,
    decide_extension,
    dispatch_appeal,
    merge_appeal,
    rate_appeal,
    reply_appeal,
    request_extension,
    resume_appeal,
    return_appeal,
    sign_appeal,
    suspend_appeal,
)
from yingshang.appeals.services.intake import (
    NewAppeal,
    OwnFigures,
    department_for,
    discipline_office,
    find_by_token,
    own_appeals,
    own_figures,
    submit_appeal,
)
from yingshang.appeals.services.ratings import RatingLine, rate_service, rating_lines
from yingshang.appeals.services.router import (
    activate_model,
    fail_dead_trainings,
    propose,
    unmatched_labels,
)
from yingshang.appeals.services.sweep import (
    SweepResult,
    sweep_deadlines,
)
from yingshang.core.phones import PHONE_RE

__all__ = [
    "DISCIPLINE_WORDS",
    "PHONE_RE",
    "RATING_LABELS",
    "TEXT_MAX_CHARS",
    "TITLE_MAX_CHARS",
    "AppealRefused",
    "NewAppeal",
    "OwnFigures",
    "RatingLine",
    "SweepResult",
    "activate_model",
    "add_assist",
    "answer_assist",
    "close_appeal",
    "decide_extension",
    "department_for",
    "discipline_office",
    "dispatch_appeal",
    "fail_dead_trainings",
    "fill_missing_deadlines",
    "find_by_token",
    "limits",
    "merge_appeal",
    "own_appeals",
    "own_figures",
    "propose",
    "rate_appeal",
    "rate_service",
    "rating_lines",
    "reply_appeal",
    "request_extension",
    "resume_appeal",
    "return_appeal",
    "sees_contact",
    "set_deadlines",
    "sign_appeal",
    "submit_appeal",
    "suspend_appeal",
    "sweep_deadlines",
    "unmatched_labels",
    "visible_appeals",
    "workdays_left",
]
