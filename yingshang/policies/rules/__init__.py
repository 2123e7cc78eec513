"""The rules engine for 政策找企业: policy packs → machine-checkable reward items → per-enterprise results.

Plain Python (no Django). Entry points:

- `load_pack(text, file, checks=Checks.of(districts, ceiling))` / `load_pack_file(path)`: a validated
  Pack, or Chinese errors with places (`Checks`: the known districts and the per-item amount ceiling).
- `replace_working_pack(working, text)`: swap packs only when the candidate is clean.
- `calculate(pack, profile, as_of)`: the 政策计算器 for one enterprise.
- `sentence(node)`, `Item.sentence()`: rules rendered back as Chinese.
- `rules.batch` (imported on demand; needs Polars, pyarrow, numpy): `profile_schema()`,
  `profiles_to_table(profiles)`, `evaluate_batch(snapshot, packs, as_of, keep=…, reasons=…)`,
  `with_reasons`, `Reasons`, `evaluate_record_batch`, `arrow_mapper` / `spark_schema` for Spark.

See docs/rules.md for the rule language and how the tree maps to batch (column) expressions.
"""

from yingshang.policies.rules.calculator import Calculation, ItemResult, calculate, evaluate_item
from yingshang.policies.rules.errors import Place, RuleError
from yingshang.policies.rules.evaluate import Status
from yingshang.policies.rules.model import Item, Mode, Pack, Policy, Verdict
from yingshang.policies.rules.pack import (
    Checks,
    load_pack,
    load_pack_file,
    replace_working_pack,
    shipped_pack_paths,
)
from yingshang.policies.rules.profile import Profile, ProfileError, read_profile
from yingshang.policies.rules.render import sentence

__all__ = [
    "Calculation",
    "Checks",
    "Item",
    "ItemResult",
    "Mode",
    "Pack",
    "Place",
    "Policy",
    "Profile",
    "ProfileError",
    "RuleError",
    "Status",
    "Verdict",
    "calculate",
    "evaluate_item",
    "load_pack",
    "load_pack_file",
    "read_profile",
    "replace_working_pack",
    "sentence",
    "shipped_pack_paths",
]
