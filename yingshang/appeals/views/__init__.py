"""接诉即办 pages, by page group: `public` (the form and the tracking link), `staff` (the list and one
appeal with its actions), `codes` (码上监督 QR codes). Thin: each view reads the request, calls a service
(appeals.services) and renders; refusals come back as `AppealRefused`, shown as page messages. Which
appeals a person reaches is core.scope's.
"""
