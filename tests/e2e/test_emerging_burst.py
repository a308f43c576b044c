"""Tried as a new user would: a burst of night-noise reports from one block, posted over HTTP, shows in the
dashboard's `emerging` list within a minute of local stream delay; a block with a steady, quiet history does not."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import h3
import requests

from tests.e2e.conftest import bearer

TENANT = "pilot-nl"
NIGHT_NOISE = "noise_night"  # the default plugin's code for noise at night
BURST_NIGHTS = 3
BURST_PER_NIGHT = 10
QUIET_DAYS_AGO = [1 + (7 * step) // 5 for step in range(25)]  # five nights a week for five weeks
STREAM_DELAY_SECONDS = 60
# About 20 m: residents of one block do not all stand on the same spot.
JITTER_DEGREES = 0.00018


def _point_in(bbox: list[float], east_share: float, north_share: float) -> tuple[float, float]:
    west, south, east, north = bbox
    return south + (north - south) * north_share, west + (east - west) * east_share


def _night_noise(lat: float, lon: float, occurred_at: datetime, description: str) -> dict[str, Any]:
    return {
        "category": NIGHT_NOISE,
        "description": description,
        "location": {"lat": lat, "lon": lon},
        "occurred_at": occurred_at.isoformat(),
        "answers": {"noise_source": "music", "ongoing": False},
    }


def _last_nights(now: datetime, nights: int) -> list[datetime]:
    """22:00 local on each of the last `nights` nights that are over (a night ends at 03:00)."""
    last_end = now.replace(hour=3, minute=0, second=0, microsecond=0)
    if last_end > now:
        last_end -= timedelta(days=1)
    return [(last_end - timedelta(days=ago)).replace(hour=22) for ago in range(nights, 0, -1)]


def _post(http: requests.Session, base_url: str, body: dict[str, Any]) -> None:
    reply = http.post(f"{base_url}/v1/tenants/{TENANT}/reports", json=body, timeout=20)
    assert reply.status_code == 201, reply.text


def _emerging(http: requests.Session, base_url: str) -> dict[str, Any]:
    reply = http.get(
        f"{base_url}/v1/tenants/{TENANT}/dashboard/emerging",
        headers={**bearer(TENANT), "Accept-Language": "en"},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def _noise_counts(http: requests.Session, base_url: str, first: date) -> dict[str, int]:
    reply = http.get(
        f"{base_url}/v1/tenants/{TENANT}/dashboard/hotspots",
        params={"from": first.isoformat(), "categories": NIGHT_NOISE, "resolution": "9"},
        headers=bearer(TENANT),
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    return {feature["id"]: feature["properties"]["count"] for feature in reply.json()["features"]}


def test_a_burst_of_night_noise_in_one_block_shows_as_emerging(http: requests.Session, base_url: str) -> None:
    # Given the pilot's area and time zone as the API describes them, a block for the burst and, 2-3 km away,
    # a block where night noise is reported steadily, five nights a week for five weeks
    tenant = http.get(f"{base_url}/v1/tenants/{TENANT}", timeout=10).json()
    zone = ZoneInfo(tenant["timezone"])
    now = datetime.now(zone)
    burst_cell = h3.latlng_to_cell(*_point_in(tenant["area"]["bbox"], 0.31, 0.27), 9)
    quiet_cell = h3.latlng_to_cell(*_point_in(tenant["area"]["bbox"], 0.36, 0.39), 9)
    (burst_lat, burst_lon), (quiet_lat, quiet_lon) = h3.cell_to_latlng(burst_cell), h3.cell_to_latlng(quiet_cell)
    assert h3.grid_distance(burst_cell, quiet_cell) > 2, "the two blocks must not be neighbours"
    for days_ago in QUIET_DAYS_AGO:
        occurred = (now - timedelta(days=days_ago)).replace(hour=23, minute=30, second=0, microsecond=0)
        _post(http, base_url, _night_noise(quiet_lat, quiet_lon, occurred, "Music from the café again, as usual."))

    # When about thirty residents of one block report night noise over the last three nights, 22:00-03:00
    posted = 0
    for night_start in _last_nights(now, BURST_NIGHTS):
        for step in range(BURST_PER_NIGHT):
            lat = burst_lat + JITTER_DEGREES * ((step % 3) - 1)
            lon = burst_lon + JITTER_DEGREES * ((step % 5) - 2) / 2
            assert h3.latlng_to_cell(lat, lon, 9) == burst_cell
            occurred = night_start + timedelta(minutes=30 * step)
            _post(http, base_url, _night_noise(lat, lon, occurred, f"Loud party next door, night {posted // 10 + 1}."))
            posted += 1

    # Then within a minute of stream delay the block and category are listed as emerging
    deadline = time.monotonic() + STREAM_DELAY_SECONDS
    while True:
        view = _emerging(http, base_url)
        found = [item for item in view["items"] if (item["cell"], item["category"]) == (burst_cell, NIGHT_NOISE)]
        if (found and found[0]["recent_count"] == posted) or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert found, f"{burst_cell} × {NIGHT_NOISE} not emerging after {STREAM_DELAY_SECONDS} s: {view['items']}"
    item = found[0]
    assert item["recent_count"] == posted == BURST_NIGHTS * BURST_PER_NIGHT
    assert item["recent_days"] == 7
    assert item["baseline_count"] == 0
    assert item["baseline_days"] == 28
    assert item["expected_recent"] < 1, "a block without history must expect well under one report a week"
    assert item["ratio"] > 10
    assert item["adjusted_p_value"] < 0.01
    assert item["score"] > 2
    assert item["category_name"] == "Noise at night"
    assert item["explanation"].startswith("30 reports of “Noise at night” in the last 7 days in this block")
    assert "the previous 4 weeks" in item["explanation"]
    ring = item["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1]
    corners = {(round(lat, 5), round(lon, 5)) for lat, lon in h3.cell_to_boundary(burst_cell)}
    assert {(round(lat, 5), round(lon, 5)) for lon, lat in ring} == corners
    assert view["resolution"] == 9

    # And the block with the steady history, counted in full, is not: its recent week is what it always has
    first = now.date() - timedelta(days=max(QUIET_DAYS_AGO) + 1)
    deadline = time.monotonic() + STREAM_DELAY_SECONDS
    while _noise_counts(http, base_url, first).get(quiet_cell, 0) < len(QUIET_DAYS_AGO):
        assert time.monotonic() < deadline, "the quiet block's reports were not counted within a minute"
        time.sleep(1)
    assert _noise_counts(http, base_url, first)[quiet_cell] == len(QUIET_DAYS_AGO)
    assert quiet_cell not in {entry["cell"] for entry in _emerging(http, base_url)["items"]}
