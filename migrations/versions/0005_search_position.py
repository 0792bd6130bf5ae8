"""Supporters: the coarse position search places them at

Search used to measure from a supporter's exact position, so a run of radius
searches could locate them to a few metres. It now knows only the centroid
of their postcode sector (or ZIP code), or of their district if they choose.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('supporter_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_area', sa.String(length=8), nullable=False,
                                      server_default='sector'))
        batch_op.add_column(sa.Column('search_latitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('search_longitude', sa.Float(), nullable=True))
        batch_op.create_check_constraint(
            'search_area_known', "search_area IN ('sector', 'district')")
        batch_op.create_check_constraint(
            'search_latitude_with_longitude',
            '(search_latitude IS NULL) = (search_longitude IS NULL)')
    _place_existing_supporters()


def downgrade():
    with op.batch_alter_table('supporter_profiles', schema=None) as batch_op:
        batch_op.drop_constraint('search_latitude_with_longitude', type_='check')
        batch_op.drop_constraint('search_area_known', type_='check')
        batch_op.drop_column('search_longitude')
        batch_op.drop_column('search_latitude')
        batch_op.drop_column('search_area')


# The town shown beside a district: the nearest this big, this near (as the app names it).
TOWN_MIN_POPULATION = 10_000
TOWN_REACH_KM = 30.0


def _place_existing_supporters():
    """Give every located supporter their sector's centroid (geodata, offline).

    The town shown was the one nearest their home; it becomes the one nearest
    that centroid, so two people of one sector read the same.
    """
    conn = op.get_bind()
    profiles = sa.table('supporter_profiles', sa.column('id'), sa.column('latitude'),
                        sa.column('longitude'), sa.column('postcode'), sa.column('country'),
                        sa.column('place_label'), sa.column('search_latitude'),
                        sa.column('search_longitude'))
    rows = conn.execute(sa.select(profiles.c.id, profiles.c.latitude, profiles.c.longitude,
                                  profiles.c.postcode, profiles.c.country)
                        .where(profiles.c.latitude.is_not(None))).all()
    if not rows:
        return  # a new database: no need to load the postcode index
    import geodata

    for sid, lat, lon, postcode, country in rows:
        if postcode and country == 'GB':
            location = geodata.Location(lat, lon, 'postcode', postcode, postcode.split()[0], 'GB')
        elif postcode and country == 'US':
            location = geodata.Location(lat, lon, 'zip', postcode, None, 'US')
        else:
            location = geodata.Location(lat, lon, 'coordinates', '', None, country)
        area = geodata.coarsen(location, to='sector')
        values = {'search_latitude': area.lat, 'search_longitude': area.lon}
        if postcode and country in ('GB', 'US'):  # a town typed in is kept as it was
            values['place_label'] = _nearest_town(geodata, area)
        conn.execute(profiles.update().where(profiles.c.id == sid).values(**values))


def _nearest_town(geodata, point):
    best, best_km = None, TOWN_REACH_KM
    for town in geodata.places(point.country, min_population=TOWN_MIN_POPULATION):
        km = geodata.haversine_km(point.lat, point.lon, town.lat, town.lon)
        if km < best_km:
            best, best_km = town.name, km
    return best
