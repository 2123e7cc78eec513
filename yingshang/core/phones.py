"""What a contact phone number may look like, for every form and import that takes one: an 11-digit
mobile (1, then 3–9), or a landline with its area code (0 and 2–3 digits, an optional hyphen, 7–8
digits). Plain Python: the import engines check rows with it too."""

from __future__ import annotations

import re

PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
