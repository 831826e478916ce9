"""Name, street and office vocabularies for the synthetic world, kept as plain data.

The record-linkage code imports NICKNAMES, STREET_SUFFIXES and DIRECTIONS from here so that the
variants the generator writes and the variants the matcher forgives come from one table.
Every name here is a common given name or surname; no list pairs them with a real person.
"""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())

FEMALE_FIRST = _words(
    "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty "
    "Margaret Sandra Ashley Kimberly Emily Donna Michelle Carol Amanda Dorothy Melissa Deborah "
    "Stephanie Rebecca Sharon Laura Cynthia Kathleen Amy Angela Shirley Anna Brenda Pamela Emma "
    "Nicole Helen Samantha Katherine Christine Debra Rachel Carolyn Janet Catherine Maria "
    "Heather Diane Ruth Julie Olivia Joyce Virginia Victoria Kelly Lauren Christina Joan "
    "Evelyn Judith Megan Andrea Cheryl Hannah Jacqueline Martha Gloria Teresa Ann Sara Madison "
    "Frances Kathryn Janice Jean Abigail Alice Julia Sophia Grace Denise Amber Doris Marilyn "
    "Danielle Beverly Isabella Theresa Diana Natalie Brittany Charlotte Marie Kayla Alexis Lori "
    "Guadalupe Rosa Ana Carmen Juana Yolanda Veronica Adriana Leticia Alejandra Gabriela "
    "Daniela Valeria Ximena Lucia Camila Sofia Mariana Fernanda Esperanza Marisol Araceli "
    "Beatriz Consuelo Dolores Keisha Latoya Tamika Shanice Imani Aaliyah Jasmine Destiny Ebony "
    "Tanisha Precious Monique Aisha Nia Kiara Tiana Layla Mei Ling Hui Yan Jing Min Hoa Linh "
    "Thuy Lan Mai Ngoc Priya Anjali Deepa Sunita Kavya Ayesha Fatima Amina Khadija Zainab Hana "
    "Yuki Sakura Seo-yeon Winona Aiyana Kimi Nayeli Tala Chenoa Bridget Siobhan Colleen Ingrid "
    "Greta Olga Svetlana Natasha Irina Agnieszka Rosemary Wendy Tracy Stacy Crystal Tiffany "
    "Erica Vanessa Monica Tammy Dawn Tina Kristen Erin April Holly Leah Alyssa Brianna Chloe "
    "Zoe Mia Ava Ella Aria Riley Nora Lily Hazel Violet Aurora Savannah Audrey Brooklyn Claire "
    "Skylar Lucy Paisley Caroline Naomi Elena Ruby Eva Serenity Autumn Quinn Nevaeh Piper "
    "Kinsley Madelyn Josephine Stella Maya Delilah Ivy Valentina Alexandra Yesenia Rocio "
    "Maribel Itzel Jazmin Dulce Paola Karina Lorena Norma Silvia Graciela Blanca Alicia"
)

MALE_FIRST = _words(
    "James Robert John Michael David William Richard Joseph Thomas Charles Christopher Daniel "
    "Matthew Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy "
    "Ronald Edward Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin "
    "Scott Brandon Benjamin Samuel Gregory Alexander Frank Patrick Raymond Jack Dennis Jerry "
    "Tyler Aaron Jose Adam Nathan Henry Douglas Zachary Peter Kyle Ethan Walter Noah Jeremy "
    "Christian Keith Roger Terry Gerald Harold Sean Austin Carl Arthur Lawrence Dylan Jesse "
    "Jordan Bryan Joe Bruce Gabriel Logan Albert Willie Alan Juan Wayne Elijah Randy Roy "
    "Vincent Ralph Eugene Russell Mason Philip Louis Carlos Luis Miguel Jorge Pedro Alejandro "
    "Fernando Ricardo Eduardo Francisco Javier Manuel Raul Ramon Sergio Diego Mateo Santiago "
    "Emiliano Jesus Rafael Hector Armando Marcus DeShawn Jamal Tyrone Darnell Malik Terrell "
    "Andre Dwayne Lamar Darius Jermaine Rashad Kareem Trevon Xavier Isaiah Jalen Wei Jian Hao "
    "Ming Jun Tuan Minh Duc Hung Quang Raj Arjun Vikram Sanjay Rahul Amit Mohammed Ahmed Omar "
    "Ali Hassan Yusuf Ibrahim Hiroshi Kenji Takeshi Min-jun Ji-ho Takoda Ahanu Hototo Liam "
    "Connor Declan Sven Lars Dmitri Ivan Sergei Mikhail Piotr Tomasz Oliver Lucas Levi Owen "
    "Wyatt Caleb Hunter Carter Luke Grayson Julian Isaac Lincoln Jaxon Asher Leo Hudson Ezra "
    "Theodore Miles Nolan Axel Silas Sebastian Kai Jayden Aiden Cameron Colton Brayden Dominic "
    "Jaden Elias Frederick Victor Martin Ernesto Alfredo Gilberto Rodrigo Cesar Oscar Adrian "
    "Marco Andres Julio Enrique Arturo Alberto Salvador Ignacio Ruben Tomas Cornelius"
)

SURNAMES = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White "
    "Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres "
    "Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts "
    "Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales "
    "Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos "
    "Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes "
    "Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry "
    "Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons "
    "Romero Jordan Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West "
    "Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro "
    "Marshall Owens Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry "
    "Chen Freeman Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez "
    "Silva Shaw Snyder Mason Dixon Munoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd "
    "Rose Stone Salazar Fox Warren Mills Meyer Rice Schmidt Garza Daniels Ferguson Nichols "
    "Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley Spencer Hawkins Arnold Pierce "
    "Vazquez Hansen Peters Santos Hart Bradley Knight Elliott Cunningham Duncan Armstrong "
    "Hudson Carroll Lane Riley Andrews Alvarado Ray Delgado Berry Perkins Hoffman Johnston "
    "Matthews Pena Richards Contreras Willis Carpenter Lawrence Sandoval Guerrero George "
    "Chapman Rios Estrada Ortega Watkins Greene Nunez Wheeler Valdez Harper Burke Larson "
    "Santiago Maldonado Morrison Franklin Carlson Austin Dominguez Carr Lawson Jacobs O'Brien "
    "Lynch Singh Vega Bishop Montgomery Oliver Jensen Harvey Williamson Gilbert Dean Sims "
    "Espinoza Howell Li Wong Reid Hanson Le McCoy Garrett Burton Fuller Wang Weber Welch Rojas "
    "Lucas Marquez Fields Park Yang Little Banks Padilla Day Walsh Bowman Schultz Luna Fowler "
    "Mejia Davidson Acosta Brewer May Holland Juarez Newman Pearson Curtis Cortez Douglas "
    "Schneider Joseph Barrett Navarro Figueroa Keller Avila Wade Molina Stanley Hopkins Campos "
    "Barnett Bates Chambers Caldwell Beck Lambert Miranda Byrd Craig Ayala Lowe Frazier Powers "
    "Neal Leonard Gregory Carrillo Sutton Fleming Rhodes Shelton Schwartz Norris Jennings "
    "Watts Duran Walters Cohen McDaniel Moran Parks Steele Vaughn Becker Holt DeLeon Barker "
    "Terry Hale Leon Benson Haynes Horton Miles Lyons Pham Graves Bush Thornton Wolfe Warner "
    "Cabrera McKinney Mann Zimmerman Dawson Lara Fletcher Page McCarthy Love Robles Cervantes "
    "Solis Erickson Reeves Chang Klein Salinas Fuentes Baldwin Simon Velasquez Hardy Higgins "
    "Aguirre Lin Cummings Chandler Sharp Barber Bowen Ochoa Dennis Robbins Liu Ramsey Francis "
    "Griffith Blair O'Connor Cardenas Pacheco Cross Calderon Quinn Moss Swanson Chan Rivas "
    "Khan Rodgers Serrano Fitzgerald Rosales Stevenson Christensen Manning Gill Curry "
    "McLaughlin Harmon McGee Gross Doyle Garner Newton Burgess Reese Walton Blake Trujillo "
    "Adkins Brady Goodman Roman Webster Goodwin Fischer Huang Potter Montoya Todd Wu Hines "
    "Mullins Castaneda Malone Cannon Tate Mack Sherman Hubbard Hodges Zhang Guerra Wolf "
    "Valencia Saunders Franco Rowe Gallagher Farmer Hammond Hampton Townsend Ingram Wise "
    "Gallegos Clarke Barton Schroeder Maxwell Waters Logan Camacho Strickland Norman Colon "
    "Parsons Harrington Glover Osborne Buchanan Casey Floyd Patton Ibarra Ball Tyler Suarez "
    "Bowers Orozco Salas Cobb Gibbs Andrade Bauer Conner Moody Escobar McGuire Lloyd Mueller "
    "Hartman French Kramer McBride Pope Lindsey Velazquez Norton McCormick Sparks Flynn Yates "
    "Hogan Marsh Macias Villanueva Zamora Pratt Stokes Owen Ballard Lang Brock Villarreal "
    "Charles Drake Barrera Cain Pineda Burnett Mercado Santana Shepherd Bautista Shaffer Lamb "
    "Trevino McKenzie Hess Olsen Cochran Morton Nash Wilkins Petersen Briggs Shah Roth "
    "Nicholson Holloway Lozano Rangel Flowers Hoover Short Arias Mora Valenzuela Bryan Meyers "
    "Weiss Underwood Bass Greer Summers Houston Carson Morrow Clayton Whitaker Decker Yoder "
    "Collier Zuniga Carey Wilcox Melendez Poole Roberson Larsen Conley Davenport Copeland "
    "Massey Lam Huff Rocha Cameron Jefferson Hood Monroe Pittman Huynh Randall Singleton Kirk "
    "Combs Mathis Skinner Bradford Galvan Wall Boone Kirby Wilkinson Bridges Atkinson Velez "
    "Meza Vincent York Hodge Villa Abbott Allison Tapia Gates Chase Sosa Sweeney Farrell Wyatt "
    "Dalton Horn Barron Phelps Yu Dickerson Heath Foley Atkins Bonilla Acevedo Benitez Zavala "
    "Hensley Glenn Cisneros Harrell Shields Rubio Huffman Choi Boyer Garrison Arroyo Bond Kane "
    "Hancock Callahan Dillon Cline Wiggins Grimes Arellano Melton O'Neill Savage Ho Beltran "
    "Pitts Parrish Ponce Booth Koch Golden Ware Brennan McDowell Marks Cantu Humphrey Baxter "
    "Sawyer Clay Tanner Hutchinson Kaur Berg Wiley Gilmore Russo Villegas Hobbs Wilkerson "
    "Ahmed Beard McClain Montes Mata Rosario Vang Henson O'Donnell Levy Begay Yazzie Tsosie "
    "Benally Etsitty Whitehorse Redcloud Littlebear Goodfeather Lone-Wolf Nakamura Tanaka "
    "Yamamoto Watanabe Sato Suzuki Takahashi Kobayashi Hashemi Rahman Hussain Chowdhury Iyer "
    "Reddy Nair Kowalski Nowak Wisniewski Kaminski Lewandowski Ivanov Petrov Popescu Novak "
    "Horvat Okafor Adeyemi Mensah Osei Boateng Abebe Tesfaye Haile Mohamud Warsame Farah Diallo "
    "Toure Kamara Nwosu Eze Obi Okonkwo Balogun Asante Appiah Kariuki Mwangi Otieno Ochieng "
    "Dlamini Ndlovu Phan Vu Vo Dang Bui Do Hoang Truong Duong Ly Lau Kwan Cheung Ng Tang Zhou "
    "Xu Sun Ma Zhu Hu Guo He Gao Luo Zheng Liang Xie Song Han Feng Deng Cao Peng"
)

# A handful of the caseload's surnames are double-barrelled; feeds often carry one half only.
HYPHENATED_SHARE = 0.04

# Given name -> the nicknames the same person may be filed under. Keys are the formal names
# used in the caseload; values are what a court clerk, a jail intake officer or a utility
# call centre might type instead.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "Robert": ("Bob", "Rob", "Bobby", "Robbie"),
    "William": ("Bill", "Will", "Billy", "Willie"),
    "Richard": ("Rick", "Rich", "Dick", "Richie"),
    "James": ("Jim", "Jimmy", "Jamie"),
    "John": ("Johnny", "Jack"),
    "Joseph": ("Joe", "Joey"),
    "Thomas": ("Tom", "Tommy"),
    "Charles": ("Charlie", "Chuck", "Chas"),
    "Christopher": ("Chris", "Topher"),
    "Daniel": ("Dan", "Danny"),
    "Matthew": ("Matt",),
    "Anthony": ("Tony",),
    "Michael": ("Mike", "Mikey"),
    "David": ("Dave", "Davey"),
    "Steven": ("Steve",),
    "Stephen": ("Steve",),
    "Andrew": ("Andy", "Drew"),
    "Joshua": ("Josh",),
    "Kenneth": ("Ken", "Kenny"),
    "Timothy": ("Tim", "Timmy"),
    "Ronald": ("Ron", "Ronnie"),
    "Edward": ("Ed", "Eddie", "Ted"),
    "Jeffrey": ("Jeff",),
    "Nicholas": ("Nick", "Nicky"),
    "Jonathan": ("Jon",),
    "Gregory": ("Greg",),
    "Alexander": ("Alex", "Xander"),
    "Benjamin": ("Ben", "Benny"),
    "Samuel": ("Sam", "Sammy"),
    "Patrick": ("Pat",),
    "Raymond": ("Ray",),
    "Gerald": ("Jerry", "Gerry"),
    "Lawrence": ("Larry",),
    "Zachary": ("Zach", "Zack"),
    "Peter": ("Pete",),
    "Walter": ("Walt",),
    "Albert": ("Al", "Bert"),
    "Alan": ("Al",),
    "Vincent": ("Vince", "Vinny"),
    "Eugene": ("Gene",),
    "Philip": ("Phil",),
    "Louis": ("Lou",),
    "Douglas": ("Doug",),
    "Harold": ("Harry", "Hal"),
    "Henry": ("Hank", "Harry"),
    "Isaac": ("Ike",),
    "Nathan": ("Nate",),
    "Theodore": ("Ted", "Teddy", "Theo"),
    "Jacob": ("Jake",),
    "Dominic": ("Dom",),
    "Frederick": ("Fred", "Freddie"),
    "Cornelius": ("Neil",),
    "Francisco": ("Paco", "Pancho", "Frank"),
    "Jose": ("Pepe",),
    "Alejandro": ("Alex", "Ale"),
    "Eduardo": ("Lalo", "Eddie"),
    "Jesus": ("Chuy",),
    "Manuel": ("Manny",),
    "Ignacio": ("Nacho",),
    "Enrique": ("Kike",),
    "Alfredo": ("Fredo",),
    "Elizabeth": ("Liz", "Beth", "Betsy", "Lizzie", "Eliza"),
    "Katherine": ("Kate", "Kathy", "Katie"),
    "Catherine": ("Cathy", "Kate", "Cat"),
    "Kathleen": ("Kathy", "Kat"),
    "Kathryn": ("Kate", "Kathy"),
    "Margaret": ("Maggie", "Peggy", "Meg"),
    "Patricia": ("Pat", "Patty", "Trish"),
    "Jennifer": ("Jen", "Jenny"),
    "Jessica": ("Jess", "Jessie"),
    "Susan": ("Sue", "Susie"),
    "Deborah": ("Deb", "Debbie"),
    "Debra": ("Deb", "Debbie"),
    "Rebecca": ("Becky", "Becca"),
    "Samantha": ("Sam", "Sammy"),
    "Christine": ("Chris", "Chrissy"),
    "Christina": ("Tina", "Chris"),
    "Victoria": ("Vicky", "Tori"),
    "Pamela": ("Pam",),
    "Cynthia": ("Cindy",),
    "Stephanie": ("Steph",),
    "Kimberly": ("Kim",),
    "Amanda": ("Mandy",),
    "Melissa": ("Missy", "Mel"),
    "Barbara": ("Barb", "Babs"),
    "Dorothy": ("Dot", "Dottie"),
    "Judith": ("Judy",),
    "Sandra": ("Sandy",),
    "Nancy": ("Nan",),
    "Alexandra": ("Alex", "Sasha"),
    "Abigail": ("Abby", "Gail"),
    "Jacqueline": ("Jackie",),
    "Theresa": ("Terry", "Tess"),
    "Teresa": ("Terry", "Tere"),
    "Josephine": ("Jo", "Josie"),
    "Guadalupe": ("Lupe",),
    "Dolores": ("Lola",),
    "Gabriela": ("Gaby",),
    "Natalie": ("Nat",),
    "Danielle": ("Dani",),
    "Virginia": ("Ginny",),
    "Frances": ("Fran",),
    "Beverly": ("Bev",),
    "Madison": ("Maddie",),
    "Isabella": ("Bella", "Izzy"),
    "Caroline": ("Carrie",),
    "Evelyn": ("Evie",),
    "Jasmine": ("Jazz",),
    "Consuelo": ("Chelo",),
    "Esperanza": ("Espe",),
    "Rosemary": ("Rose",),
    "Valentina": ("Vale",),
}

# Canonical suffix -> USPS abbreviation. The caseload spells suffixes out; feeds mix both.
STREET_SUFFIXES: dict[str, str] = {
    "Street": "St", "Avenue": "Ave", "Road": "Rd", "Drive": "Dr", "Lane": "Ln",
    "Boulevard": "Blvd", "Court": "Ct", "Place": "Pl", "Terrace": "Ter", "Circle": "Cir",
    "Parkway": "Pkwy", "Way": "Way", "Trail": "Trl",
}
DIRECTIONS: dict[str, str] = {"North": "N", "South": "S", "East": "E", "West": "W"}
# How a feed may write the unit of "Apt 4B"; {u} is the unit code.
UNIT_FORMATS = ("Apt {u}", "#{u}", "Apartment {u}", "Unit {u}", "Apt. {u}")

STREET_NAMES = _words(
    "Oak Maple Cedar Pine Elm Walnut Birch Willow Aspen Spruce Chestnut Hickory Magnolia Poplar "
    "Sycamore Juniper Laurel Cherry Dogwood Cypress Main Church Market Mill Bridge Park Lake "
    "River Hill Spring Meadow Valley Forest Ridge Sunset Highland Prospect Garden Orchard Grove "
    "Washington Lincoln Jefferson Madison Franklin Jackson Adams Monroe Grant Wilson Roosevelt "
    "Kennedy Chavez Douglass Tubman Parks Carver Hamilton Harrison Pershing Lafayette Union "
    "Liberty Freedom Independence Commerce Railroad Depot Canal Harbor Bay Shore Beacon Summit "
    "Crest Vista Mesa Canyon Prairie Ranch Fairview Riverside Lakeview Hillside Greenwood "
    "Brookside Woodland Parkside Westfield Eastwood Northgate Southgate College University "
    "School Academy Hospital Mission Pioneer Frontier Heritage Colonial Central Broad High "
    "Front Water Second Third Fourth Fifth Sixth Seventh Eighth Ninth Tenth Cottonwood Mesquite "
    "Sage Yucca Bluebonnet Primrose Lilac Rosewood Ivy Clover Thistle Heather Sparrow Robin "
    "Cardinal Bluebird Eagle Hawk Falcon Heron Quail Deer Elk Bison Fox Badger Otter Beaver"
)

# Fifty office codes; offices 0 and 1 are the demo offices. Each office has a county.
OFFICES: tuple[tuple[str, str], ...] = (
    ("NORTH", "Northfield"), ("SOUTH", "Southgate"), ("RIVER", "Riverside"),
    ("LAKES", "Lakeland"), ("EAST", "Eastbrook"), ("WEST", "Westmoreland"),
    ("HILLS", "Hillcrest"), ("VALLEY", "Valley"), ("PINES", "Pineville"),
    ("HARBOR", "Harbor"), ("MESA", "Mesa Verde"), ("PRAIRIE", "Prairie"),
    ("CEDAR", "Cedar"), ("SUMMIT", "Summit"), ("DELTA", "Delta"), ("CANYON", "Canyon"),
    ("FOREST", "Forest"), ("MEADOW", "Meadowbrook"), ("BLUFF", "Bluffton"),
    ("COAST", "Coastal"), ("RIDGE", "Ridgeway"), ("GROVE", "Grover"), ("MILL", "Millbrook"),
    ("BRIDGE", "Bridgeport"), ("PORT", "Portland Bay"), ("FALLS", "Cedar Falls"),
    ("SPRINGS", "Warm Springs"), ("OAKS", "Twin Oaks"), ("PLAINS", "High Plains"),
    ("CREEK", "Clear Creek"), ("BASIN", "Basin"), ("PEAK", "Eagle Peak"),
    ("HOLLOW", "Sleepy Hollow"), ("GLEN", "Glendale"), ("FORD", "Stratford"),
    ("HAVEN", "Fairhaven"), ("MARSH", "Marshall"), ("ISLAND", "Island"), ("BAY", "Bayview"),
    ("CLIFF", "Cliffside"), ("STONE", "Stonewall"), ("MAPLE", "Maplewood"),
    ("ASPEN", "Aspen Grove"), ("WILLOW", "Willow Creek"), ("BIRCH", "Birchwood"),
    ("ELM", "Elmhurst"), ("SAGE", "Sagebrush"), ("FIELD", "Greenfield"),
    ("DUNES", "Sand Dunes"), ("CAPITOL", "Capitol"),
)
CITY_SUFFIXES = ("", " Heights", " Junction", " Park", " Center", " Springs")

PROPERTY_COMPANY_WORDS = _words(
    "Oak Ridge Sunrise Brighton Lakeshore Meridian Cornerstone Keystone Summit Pinnacle "
    "Heritage Liberty Crescent Horizon Parkview Greystone Silverleaf Evergreen Northpoint "
    "Riverbend Stonebridge Willowbrook Cityline Metro Landmark Harborview"
)
PROPERTY_COMPANY_FORMS = (
    "{w} Property Management LLC", "{w} Apartments LP", "{w} Holdings LLC",
    "{w} Residential Group", "{w} Realty Inc", "{w} Housing Partners LLC",
)

RACE_ETHNICITY = ("Black", "White", "Hispanic", "Asian", "Native American", "Multiracial",
                  "Other")

JAIL_CHARGES: tuple[tuple[str, str], ...] = (
    ("DUI", "Driving under the influence"),
    ("DWLS", "Driving while license suspended"),
    ("FTA", "Failure to appear"),
    ("THEFT3", "Theft in the third degree"),
    ("ASLT4", "Assault in the fourth degree"),
    ("TRESP", "Criminal trespass"),
    ("POSS", "Possession of a controlled substance"),
    ("DISORD", "Disorderly conduct"),
    ("PROBV", "Probation violation"),
    ("DV", "Domestic violence"),
    ("WARR", "Outstanding warrant"),
    ("SHOPL", "Shoplifting"),
)
