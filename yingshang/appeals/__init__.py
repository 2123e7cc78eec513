"""接诉即办: enterprise and citizen appeals from intake to rating (docs/appeals.md)."""
