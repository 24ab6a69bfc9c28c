"""The fleet report as JSON: fleet/model.FleetReport as it is, with its kind ("fwadvisor-fleet") and
schema_version first. Outside text in it was made one clean line when the report was merged; JSON
escapes the C0 controls, and DEL and the C1 range are written as \\u escapes here, so the report
shown in a terminal cannot carry an 8-bit CSI."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    from fwadvisor.fleet.model import FleetReport

_RAW_IN_JSON = re.compile("[\x7f-\x9f]")


def fleet_json(report: FleetReport) -> str:
    text = msgspec.json.format(msgspec.json.encode(report), indent=2).decode()
    return _RAW_IN_JSON.sub(lambda found: f"\\u{ord(found.group()):04x}", text) + "\n"
