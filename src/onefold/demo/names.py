"""Embedded name, street and city lists for the synthetic retailer.

The lists and their weights were written by hand for onefold (no licensed dataset was copied): they
follow the familiar shape of US name frequencies, a few very common names and a long tail, so that
matching is non-trivial (many unrelated people share "Smith" or "Michael"). Weights are relative
frequencies, not counts. Nicknames map a formal first name to the short forms people type into a
shop's loyalty form or tell a call-center agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

_MALE = """
James 330 Robert 320 John 315 Michael 310 David 280 William 260 Richard 200 Joseph 190 Thomas 185
Christopher 170 Charles 165 Daniel 160 Matthew 150 Anthony 140 Mark 135 Donald 120 Steven 118 Andrew 110
Paul 108 Joshua 105 Kenneth 100 Kevin 98 Brian 96 George 95 Timothy 90 Ronald 88 Jason 86 Edward 84
Jeffrey 82 Ryan 80 Jacob 78 Gary 75 Nicholas 74 Eric 72 Jonathan 70 Stephen 68 Larry 64 Justin 62
Scott 60 Brandon 58 Benjamin 57 Samuel 55 Gregory 54 Alexander 52 Patrick 50 Frank 49 Raymond 48
Jack 47 Dennis 46 Jerry 45 Tyler 44 Aaron 43 Jose 42 Adam 41 Nathan 40 Henry 39 Zachary 38 Douglas 37
Peter 36 Kyle 35 Noah 34 Ethan 33 Jeremy 32 Walter 31 Christian 30 Keith 29 Roger 28 Terry 27
Austin 26 Sean 25 Gerald 24 Carl 23 Harold 22 Dylan 21 Arthur 20 Lawrence 20 Jordan 19 Jesse 19
Bryan 18 Billy 18 Bruce 17 Gabriel 17 Joe 16 Logan 16 Alan 15 Juan 15 Albert 14 Willie 14 Elijah 13
Wayne 13 Randy 12 Vincent 12 Mason 12 Roy 11 Ralph 11 Bobby 10 Russell 10 Bradley 10 Philip 10
Eugene 9 Louis 9 Frederick 8 Theodore 8 Leonard 7 Mitchell 7 Luis 7 Carlos 7 Miguel 6 Liam 6
"""

_FEMALE = """
Mary 300 Patricia 250 Jennifer 245 Linda 240 Elizabeth 230 Barbara 210 Susan 200 Jessica 190 Sarah 185
Karen 180 Lisa 170 Nancy 165 Betty 150 Sandra 145 Margaret 140 Ashley 138 Kimberly 135 Emily 130
Donna 125 Michelle 122 Carol 120 Amanda 118 Melissa 115 Deborah 112 Stephanie 110 Dorothy 100
Rebecca 98 Sharon 96 Laura 95 Cynthia 92 Amy 90 Kathleen 88 Angela 86 Shirley 84 Brenda 82 Emma 80
Anna 78 Pamela 76 Nicole 74 Samantha 72 Katherine 70 Christine 68 Helen 66 Debra 64 Rachel 62
Carolyn 60 Janet 58 Maria 57 Catherine 56 Heather 55 Diane 54 Olivia 53 Julie 52 Joyce 50
Victoria 49 Ruth 48 Virginia 47 Lauren 46 Kelly 45 Christina 44 Joan 43 Evelyn 42 Judith 41
Andrea 40 Hannah 39 Megan 38 Cheryl 37 Jacqueline 36 Martha 35 Madison 34 Teresa 33 Gloria 32
Sara 31 Janice 30 Ann 29 Kathryn 28 Abigail 27 Sophia 26 Frances 25 Jean 24 Alice 23 Judy 22
Isabella 21 Julia 20 Grace 20 Amber 19 Denise 19 Danielle 18 Marilyn 18 Beverly 17 Charlotte 17
Natalie 16 Theresa 16 Diana 15 Brittany 15 Doris 14 Kayla 14 Alexis 13 Lori 13 Marie 12 Eleanor 12
Valerie 11 Allison 11 Josephine 10 Cassandra 9 Gabrielle 9 Alexandra 9 Penelope 8 Jasmine 8 Ava 8
"""

_LAST = """
Smith 1000 Johnson 810 Williams 700 Brown 620 Jones 610 Garcia 540 Miller 530 Davis 500 Rodriguez 480
Martinez 460 Hernandez 450 Lopez 400 Gonzalez 390 Wilson 380 Anderson 375 Thomas 370 Taylor 365
Moore 350 Jackson 345 Martin 340 Lee 330 Perez 310 Thompson 305 White 300 Harris 285 Sanchez 280
Clark 265 Ramirez 260 Lewis 255 Robinson 250 Walker 245 Young 235 Allen 230 King 228 Wright 225
Scott 220 Torres 215 Nguyen 212 Hill 210 Flores 208 Green 205 Adams 200 Nelson 198 Baker 195
Hall 190 Rivera 188 Campbell 185 Mitchell 182 Carter 180 Roberts 178 Gomez 170 Phillips 168 Evans 166
Turner 164 Diaz 162 Parker 160 Cruz 158 Edwards 156 Collins 154 Reyes 152 Stewart 150 Morris 148
Morales 146 Murphy 144 Cook 142 Rogers 140 Gutierrez 138 Ortiz 136 Morgan 134 Cooper 132 Peterson 130
Bailey 128 Reed 126 Kelly 124 Howard 122 Ramos 120 Kim 118 Cox 116 Ward 114 Richardson 112 Watson 110
Brooks 108 Chavez 106 Wood 104 James 102 Bennett 100 Gray 99 Mendoza 98 Ruiz 97 Hughes 96 Price 95
Alvarez 94 Castillo 93 Sanders 92 Patel 91 Myers 90 Long 89 Ross 88 Foster 87 Jimenez 86 Powell 85
Jenkins 84 Perry 83 Russell 82 Sullivan 81 Bell 80 Coleman 79 Butler 78 Henderson 77 Barnes 76
Gonzales 75 Fisher 74 Vasquez 73 Simmons 72 Romero 71 Jordan 70 Patterson 69 Alexander 68
Hamilton 67 Graham 66 Reynolds 65 Griffin 64 Wallace 63 Moreno 62 West 61 Cole 60 Hayes 59 Bryant 58
Herrera 57 Gibson 56 Ellis 55 Tran 54 Medina 53 Aguilar 52 Stevens 51 Murray 50 Ford 49 Castro 48
Marshall 47 Owens 46 Harrison 45 Fernandez 44 McDonald 43 Woods 42 Washington 41 Kennedy 40 Wells 39
Vargas 38 Henry 37 Chen 36 Freeman 35 Webb 34 Tucker 33 Guzman 32 Burns 31 Crawford 30 Olson 29
Simpson 28 Porter 27 Hunter 26 Gordon 25 Mendez 24 Silva 23 Shaw 22 Snyder 21 Mason 20 Dixon 19
Munoz 18 Hunt 17 Hicks 16 Holmes 15 Palmer 14 Wagner 13 Black 12 Robertson 11 Boyd 10 Rose 9
OBrien 8 Schmidt 8 Novak 7 Kowalski 7 Nakamura 6 Yamamoto 6 Okafor 5 Lindqvist 5 Dubois 5 Rossi 5
"""

_NICKNAMES = """
Robert Bob,Rob,Bobby William Bill,Will,Billy James Jim,Jimmy John Johnny,Jack Michael Mike,Mikey
Richard Rick,Rich,Dick Thomas Tom,Tommy Charles Chuck,Charlie Joseph Joe,Joey Christopher Chris
Daniel Dan,Danny Matthew Matt Anthony Tony Steven Steve Andrew Andy,Drew Joshua Josh Kenneth Ken,Kenny
Edward Ed,Eddie,Ted Ronald Ron,Ronnie Timothy Tim Jeffrey Jeff Nicholas Nick Jonathan Jon
Benjamin Ben Samuel Sam Gregory Greg Alexander Alex Patrick Pat Raymond Ray Gerald Jerry
Lawrence Larry Jacob Jake Zachary Zach Nathan Nate Peter Pete Douglas Doug Henry Hank Walter Walt
Harold Harry Frederick Fred Donald Don Philip Phil Eugene Gene Vincent Vince Theodore Ted,Teddy
Leonard Len Gabriel Gabe Mitchell Mitch Bradley Brad Stephen Steve Albert Al Russell Russ
Elizabeth Liz,Beth,Betsy,Lizzie Margaret Maggie,Peggy Jennifer Jen,Jenny Patricia Pat,Patty
Katherine Kate,Kathy Catherine Cathy,Cat Deborah Debbie,Deb Debra Debbie Susan Sue,Susie
Rebecca Becky Victoria Vicky,Tori Christina Tina Jessica Jess Samantha Sam Kimberly Kim Pamela Pam
Barbara Barb Abigail Abby Alexandra Alex Cynthia Cindy Dorothy Dot Judith Judy Theresa Terry
Stephanie Steph Melissa Missy Amanda Mandy Valerie Val Kathleen Kathy Jacqueline Jackie
Madison Maddie Allison Ally Gabrielle Gabby Cassandra Cassie Penelope Penny Natalie Nat
Josephine Josie Christine Chris Angela Angie Sandra Sandy Virginia Ginny Frances Fran Nicole Nikki
Danielle Dani Sophia Sophie Olivia Liv Eleanor Ellie Isabella Bella Kathryn Kate Teresa Terry
"""

_STREETS = """
Main Oak Maple Cedar Pine Elm Washington Lake Hill Park Walnut Sunset Lincoln Jackson Church River
Highland Madison Franklin Spring Ridge Chestnut Willow Meadow Forest Jefferson Adams Center Mill
Birch Valley Cherry Spruce Dogwood Magnolia Hickory Sycamore Laurel Poplar Union Railroad Prospect
Broad Market Grove Orchard Summit Harbor Bay Creek Fairview Greenwood Lakeview Woodland Kingston
"""

# (full suffix, common abbreviation)
STREET_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("Street", "St"), ("Avenue", "Ave"), ("Road", "Rd"), ("Drive", "Dr"), ("Lane", "Ln"),
    ("Court", "Ct"), ("Boulevard", "Blvd"), ("Place", "Pl"), ("Way", "Way"), ("Terrace", "Ter"),
)


@dataclass(frozen=True)
class City:
    """A city where people live and the retailer may run stores; area codes give believable phones."""

    name: str
    state: str
    zip_prefix: str
    area_codes: tuple[int, ...]
    lat: float
    lon: float
    weight: float


CITIES: tuple[City, ...] = (
    City("New York", "NY", "100", (212, 718, 917, 646), 40.7128, -74.0060, 10.0),
    City("Los Angeles", "CA", "900", (213, 310, 323, 818), 34.0522, -118.2437, 8.0),
    City("Chicago", "IL", "606", (312, 773, 872), 41.8781, -87.6298, 6.0),
    City("Houston", "TX", "770", (713, 832, 281), 29.7604, -95.3698, 5.0),
    City("Phoenix", "AZ", "850", (602, 480, 623), 33.4484, -112.0740, 4.0),
    City("Philadelphia", "PA", "191", (215, 267), 39.9526, -75.1652, 3.5),
    City("San Antonio", "TX", "782", (210, 726), 29.4241, -98.4936, 3.0),
    City("San Diego", "CA", "921", (619, 858), 32.7157, -117.1611, 3.0),
    City("Dallas", "TX", "752", (214, 972, 469), 32.7767, -96.7970, 3.0),
    City("Austin", "TX", "787", (512, 737), 30.2672, -97.7431, 2.5),
    City("Seattle", "WA", "981", (206, 425), 47.6062, -122.3321, 2.5),
    City("Denver", "CO", "802", (303, 720), 39.7392, -104.9903, 2.3),
    City("Boston", "MA", "021", (617, 857), 42.3601, -71.0589, 2.3),
    City("Atlanta", "GA", "303", (404, 678, 470), 33.7490, -84.3880, 2.2),
    City("Miami", "FL", "331", (305, 786), 25.7617, -80.1918, 2.0),
    City("Portland", "OR", "972", (503, 971), 45.5152, -122.6784, 1.8),
    City("Minneapolis", "MN", "554", (612, 952), 44.9778, -93.2650, 1.6),
    City("Nashville", "TN", "372", (615, 629), 36.1627, -86.7816, 1.5),
    City("Columbus", "OH", "432", (614, 380), 39.9612, -82.9988, 1.5),
    City("Charlotte", "NC", "282", (704, 980), 35.2271, -80.8431, 1.4),
)

#: Identifier values people type when they do not want to give theirs; the same values are on the
#: default identity blocklist (onefold.config), so they are syntactically valid but never evidence.
JUNK_EMAILS: tuple[str, ...] = ("test@test.com", "test@example.com", "noemail@noemail.com", "none@none.com")
JUNK_PHONES: tuple[str, ...] = ("0000000000", "1111111111", "1234567890", "9999999999")

EMAIL_DOMAINS: tuple[tuple[str, float], ...] = (
    ("gmail.com", 45.0), ("yahoo.com", 14.0), ("hotmail.com", 10.0), ("outlook.com", 9.0),
    ("icloud.com", 8.0), ("aol.com", 4.0), ("comcast.net", 3.0), ("protonmail.com", 2.0),
    ("me.com", 2.0), ("verizon.net", 1.5), ("att.net", 1.5),
)


@dataclass(frozen=True)
class WeightedNames:
    """Names with normalised probabilities, ready for ``Generator.choice``."""

    names: np.ndarray
    p: np.ndarray


def _parse_weighted(text: str) -> WeightedNames:
    tokens = text.split()
    names = np.array(tokens[0::2], dtype=np.dtypes.StringDType())
    weights = np.array([float(w) for w in tokens[1::2]])
    return WeightedNames(names, weights / weights.sum())


@cache
def male_first() -> WeightedNames:
    return _parse_weighted(_MALE)


@cache
def female_first() -> WeightedNames:
    return _parse_weighted(_FEMALE)


@cache
def last_names() -> WeightedNames:
    return _parse_weighted(_LAST)


@cache
def nicknames() -> dict[str, tuple[str, ...]]:
    """Formal first name -> its nicknames, e.g. ``Robert -> (Bob, Rob, Bobby)``."""
    tokens = _NICKNAMES.split()
    return {formal: tuple(short.split(",")) for formal, short in zip(tokens[0::2], tokens[1::2], strict=True)}


@cache
def street_names() -> tuple[str, ...]:
    return tuple(_STREETS.split())


__all__ = [
    "CITIES",
    "EMAIL_DOMAINS",
    "JUNK_EMAILS",
    "JUNK_PHONES",
    "STREET_SUFFIXES",
    "City",
    "WeightedNames",
    "female_first",
    "last_names",
    "male_first",
    "nicknames",
    "street_names",
]
