"""Each GB postcode district is named by one town, everywhere, close to Royal Mail's post town."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

import geodata
from geodata._district_towns import _from_installed_data
from geodata._places import normalise_name

# Royal Mail post towns of districts across Great Britain's regions and nations.
POST_TOWNS = [
    ("LS6", "Leeds"),
    ("LS1", "Leeds"),
    ("BD1", "Bradford"),
    ("BD10", "Bradford"),
    ("BD12", "Bradford"),
    ("BD18", "Shipley"),
    ("BD16", "Bingley"),
    ("BD21", "Keighley"),
    ("BD23", "Skipton"),
    ("NE4", "Newcastle upon Tyne"),
    ("NE3", "Newcastle upon Tyne"),
    ("NE1", "Newcastle upon Tyne"),
    ("NE8", "Gateshead"),
    ("NE33", "South Shields"),
    ("SR1", "Sunderland"),
    ("M1", "Manchester"),
    ("M20", "Manchester"),
    ("M33", "Sale"),
    ("CF10", "Cardiff"),
    ("CF14", "Cardiff"),
    ("EH1", "Edinburgh"),
    ("EH10", "Edinburgh"),
    ("G1", "Glasgow"),
    ("G12", "Glasgow"),
    ("B1", "Birmingham"),
    ("B15", "Birmingham"),
    ("SW1A", "London"),
    ("SE1", "London"),
    ("E1", "London"),
    ("N1", "London"),
    ("BS1", "Bristol"),
    ("BS8", "Bristol"),
    ("L1", "Liverpool"),
    ("S1", "Sheffield"),
    ("S10", "Sheffield"),
    ("NG1", "Nottingham"),
    ("LE1", "Leicester"),
    ("CV1", "Coventry"),
    ("OX1", "Oxford"),
    ("CB2", "Cambridge"),
    ("YO1", "York"),
    ("HU1", "Hull"),
    ("AB10", "Aberdeen"),
    ("DD1", "Dundee"),
    ("IV2", "Inverness"),
    ("SA1", "Swansea"),
    ("NP20", "Newport"),
    ("LL57", "Bangor"),
    ("EX1", "Exeter"),
    ("PL1", "Plymouth"),
    ("TR1", "Truro"),
    ("BN1", "Brighton"),
    ("SO14", "Southampton"),
    ("PO1", "Portsmouth"),
    ("NR1", "Norwich"),
    ("IP1", "Ipswich"),
    ("HG1", "Harrogate"),
    ("WF1", "Wakefield"),
    ("HX1", "Halifax"),
    ("HD1", "Huddersfield"),
    ("HD6", "Brighouse"),
    ("LS29", "Ilkley"),
    ("LS28", "Pudsey"),
    ("LS27", "Leeds"),
    ("LS19", "Leeds"),
    ("LS21", "Otley"),
    ("CA1", "Carlisle"),
    ("LA1", "Lancaster"),
    ("PR1", "Preston"),
    ("BB1", "Blackburn"),
    ("FY1", "Blackpool"),
    ("ST1", "Stoke-on-Trent"),
    ("DE1", "Derby"),
    ("WV1", "Wolverhampton"),
    ("DY1", "Dudley"),
    ("KA1", "Kilmarnock"),
    ("PA1", "Paisley"),
    ("FK8", "Stirling"),
    ("CR0", "Croydon"),
    ("BR1", "Bromley"),
    ("KT1", "Kingston upon Thames"),
    ("RG1", "Reading"),
    ("MK9", "Milton Keynes"),
    ("GL1", "Gloucester"),
    ("BA1", "Bath"),
    ("TA1", "Taunton"),
    ("SY23", "Aberystwyth"),
    ("CH1", "Chester"),
    ("WA1", "Warrington"),
    ("WN1", "Wigan"),
    ("OL1", "Oldham"),
    ("SK1", "Stockport"),
    ("BL1", "Bolton"),
    ("HU17", "Beverley"),
    ("DH1", "Durham"),
    ("DL1", "Darlington"),
    ("TS1", "Middlesbrough"),
    ("LL11", "Wrexham"),
    ("CF37", "Pontypridd"),
    ("SA31", "Carmarthen"),
    ("LD1", "Llandrindod Wells"),
    ("KY16", "St Andrews"),
    ("PH1", "Perth"),
    ("TD1", "Galashiels"),
    ("DG1", "Dumfries"),
    ("ML1", "Motherwell"),
    ("EH54", "Livingston"),
    ("NE12", "Newcastle upon Tyne"),
    ("NE29", "North Shields"),
    ("WF13", "Dewsbury"),
    ("WF17", "Batley"),
    ("S60", "Rotherham"),
    ("DN1", "Doncaster"),
    ("HP1", "Hemel Hempstead"),
    ("AL1", "St Albans"),
    ("SG1", "Stevenage"),
    ("LU1", "Luton"),
    ("CM1", "Chelmsford"),
    ("CO1", "Colchester"),
    ("SS1", "Southend-on-Sea"),
    ("ME1", "Rochester"),
    ("CT1", "Canterbury"),
    ("TN1", "Tunbridge Wells"),
    ("RH10", "Crawley"),
    ("GU1", "Guildford"),
    ("SN1", "Swindon"),
    ("SP1", "Salisbury"),
    ("BH1", "Bournemouth"),
    ("DT1", "Dorchester"),
    ("TQ1", "Torquay"),
    ("NN1", "Northampton"),
    ("PE1", "Peterborough"),
    ("LN1", "Lincoln"),
    ("WR1", "Worcester"),
    ("HR1", "Hereford"),
    ("TF1", "Telford"),
    ("SY1", "Shrewsbury"),
    ("WS1", "Walsall"),
    ("CW1", "Crewe"),
    ("NW1", "London"),
    ("SA15", "Llanelli"),
    ("CF31", "Bridgend"),
    ("LL30", "Llandudno"),
    ("KW1", "Wick"),
    ("G40", "Glasgow"),
    ("EH6", "Edinburgh"),
    ("KY1", "Kirkcaldy"),
    ("DD11", "Arbroath"),
    ("AB11", "Aberdeen"),
    ("IV30", "Elgin"),
    ("NE6", "Newcastle upon Tyne"),
    ("NE10", "Gateshead"),
    ("DH3", "Chester le Street"),
    ("TS18", "Stockton-on-Tees"),
    ("YO10", "York"),
    ("HG5", "Knaresborough"),
    ("DN15", "Scunthorpe"),
    ("S70", "Barnsley"),
    ("WF10", "Castleford"),
    ("HD9", "Holmfirth"),
    ("HX7", "Hebden Bridge"),
    ("OL14", "Todmorden"),
    ("M14", "Manchester"),
    ("M32", "Manchester"),
    ("L17", "Liverpool"),
    ("CH41", "Birkenhead"),
    ("WA14", "Altrincham"),
    ("SK9", "Wilmslow"),
    ("PR8", "Southport"),
    ("LA9", "Kendal"),
    ("CA12", "Keswick"),
    ("B90", "Solihull"),
    ("CV32", "Leamington Spa"),
    ("OX4", "Oxford"),
    ("RG14", "Newbury"),
    ("SL1", "Slough"),
    ("UB8", "Uxbridge"),
    ("EN1", "Enfield"),
    ("IG1", "Ilford"),
    ("RM1", "Romford"),
    ("DA1", "Dartford"),
    ("SM1", "Sutton"),
    ("TW1", "Twickenham"),
    ("GL50", "Cheltenham"),
    ("NP44", "Cwmbran"),
    ("TA6", "Bridgwater"),
    ("EX4", "Exeter"),
    ("PL4", "Plymouth"),
    ("TR18", "Penzance"),
]

# Districts people in the journeys search from, and every region's main city:
# these must match exactly.
MUST_MATCH = {"LS6", "LS1", "BD1", "BD10", "NE1", "NE3", "NE4", "M1", "M20", "CF10", "CF14",
              "EH1", "G1", "B1", "SW1A", "SE1", "E1", "N1", "BS1", "L1", "S1", "NG1", "HU1",
              "AB10", "SA1", "CR0", "KT1", "BD18", "LS28", "HX1", "HD6", "TR1", "IV2"}


def _agrees(code: str, post_town: str) -> bool:
    return normalise_name(geodata.district_town(code) or "") == normalise_name(post_town)


@pytest.mark.parametrize(("code", "post_town"),
                         [row for row in POST_TOWNS if row[0] in MUST_MATCH])
def test_district_is_named_by_its_post_town(code, post_town):
    assert _agrees(code, post_town)


def test_nine_in_ten_districts_of_the_sample_agree_with_royal_mail():
    agree = [code for code, town in POST_TOWNS if _agrees(code, town)]
    assert len(POST_TOWNS) >= 150
    assert len(agree) / len(POST_TOWNS) >= 0.9


@pytest.mark.parametrize(("text", "town"), [
    ("bd1", "Bradford"), (" NE4 ", "Newcastle upon Tyne"), ("LS6 3QS", "Leeds"), ("LS6 3", "Leeds"),
])
def test_postcodes_and_sectors_are_named_by_their_district(text, town):
    assert geodata.district_town(text) == town


@pytest.mark.parametrize("text", [None, "", "902xx", "Leeds", "ZZ99", "12345", "<b>"])
def test_anything_but_a_known_district_has_no_town(text):
    assert geodata.district_town(text) is None


def test_shipped_table_is_what_the_installed_data_builds():
    # The table is built once by `python -m geodata._district_towns`; a
    # change in the data or the rule must come with a rebuilt file.
    text = resources.files("geodata").joinpath("data", "district_towns.csv").read_text("utf-8")
    shipped = {row["district"]: row["town"] for row in csv.DictReader(text.splitlines())}
    assert shipped == _from_installed_data()
    assert len(shipped) > 2800
