"""Image formats Pillow reads beyond its own: HEIC/HEIF, the format iPhones photograph in (a
voided check or a statement page photographed and mailed as-is). Import this module before
opening images; registering the opener twice is harmless."""

from __future__ import annotations

from pillow_heif import register_heif_opener

register_heif_opener()
