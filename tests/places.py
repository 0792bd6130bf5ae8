"""Real places for tests: a supporter's private location as a profile stores it.

Distances in comments are from Headingley, Leeds (LS6 3QS), where most searches start.
"""

HEADINGLEY = dict(latitude=53.8195, longitude=-1.5820, postcode="LS6 3QS", outward_code="LS6",
                  place_label="Leeds")
CITY_CENTRE = dict(latitude=53.7960, longitude=-1.5470, postcode="LS1 4DY", outward_code="LS1",
                   place_label="Leeds")  # ~4.4 km
BRADFORD = dict(latitude=53.7950, longitude=-1.7520, postcode="BD1 1HY", outward_code="BD1",
                place_label="Bradford")  # ~11.5 km
YORK = dict(latitude=53.9590, longitude=-1.0815, postcode="YO1 7HH", outward_code="YO1",
            place_label="York")  # ~36 km
MANCHESTER = dict(latitude=53.4794, longitude=-2.2453, postcode="M1 1AD", outward_code="M1",
                  place_label="Manchester")  # ~57 km
LONDON = dict(latitude=51.5014, longitude=-0.1419, postcode="SW1A 1AA", outward_code="SW1A",
              place_label="London")
BEVERLY_HILLS = dict(latitude=34.0901, longitude=-118.4065, postcode="90210",
                     outward_code="902xx", place_label="Beverly Hills", country="US")
