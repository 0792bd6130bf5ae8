"""The demo: a believable population at real places, the same for the same seed.

Supporters and coaches are spread over real towns (weighted by population)
and placed at real postcodes near them, so a newcomer's first search from
their own postcode finds people nearby. Every case the product handles is
represented: each role, event group and ladder level; online and in person;
full and free capacity; expired safeguarding; paused and unverified.
``flask seed-demo`` (and ``make run``) call ``seed_demo``.
"""

from app.demo.seed import DEMO_PASSWORD, PILOT_COHORT, PILOT_PROGRAMME, DemoCounts, seed_demo

__all__ = ["DEMO_PASSWORD", "PILOT_COHORT", "PILOT_PROGRAMME", "DemoCounts", "seed_demo"]
