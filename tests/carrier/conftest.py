"""The carrier simulator tests' fixture: a fresh simulator per test, on a free port."""
from __future__ import annotations

import pytest

from carrier_sim import CarrierSimulator
from tests.carrier.sim import KEY, SECRET


@pytest.fixture
def sim():
    simulator = CarrierSimulator(api_key=KEY, api_secret=SECRET).start()
    yield simulator
    simulator.stop()
