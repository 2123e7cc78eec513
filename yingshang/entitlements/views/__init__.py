"""政策兑现 staff pages: the entitlement ledger (政策兑现台账), one entitlement with its actions and
timeline, budgets per item, 公示 with their objections, and 拨付批次 (payment files).

Who may act is decided in two places, both outside this module's logic: the role capability
(entitlements.view / .review / .manage, checked by the decorators) and the object scope of the
service (`visible_entitlements`, `reviewable_by`). Every change is a call into
yingshang.entitlements.services; a refusal comes back as `EntitlementRefused` with a Chinese message,
shown as a page message, never as a traceback.
"""
