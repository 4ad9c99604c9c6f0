"""Reference lists for the Punjab demo dataset: names, CNIC locality codes, clinics, services, courses.

Plain data only; portal.demo.generate turns it into rows.
"""

from __future__ import annotations

from datetime import time

# --- people ------------------------------------------------------------------------------------

MALE_NAMES = (
    "Muhammad",
    "Ahmed",
    "Ali",
    "Hassan",
    "Hussain",
    "Bilal",
    "Usman",
    "Umar",
    "Hamza",
    "Imran",
    "Kamran",
    "Faisal",
    "Asad",
    "Zubair",
    "Tariq",
    "Shahid",
    "Waqas",
    "Adeel",
    "Naveed",
    "Arslan",
    "Haris",
    "Saad",
    "Talha",
    "Junaid",
    "Rizwan",
    "Farhan",
    "Danish",
    "Shahzad",
    "Irfan",
    "Nadeem",
    "Sohail",
    "Abdullah",
    "Zeeshan",
    "Fahad",
    "Qasim",
    "Sajid",
    "Javed",
    "Khalid",
    "Noman",
    "Zahid",
    "Aamir",
    "Mudassar",
)
FEMALE_NAMES = (
    "Ayesha",
    "Fatima",
    "Zainab",
    "Maryam",
    "Khadija",
    "Sana",
    "Hina",
    "Amna",
    "Sadia",
    "Rabia",
    "Iqra",
    "Nimra",
    "Mehwish",
    "Saima",
    "Shazia",
    "Nazia",
    "Farah",
    "Uzma",
    "Bushra",
    "Samina",
    "Kiran",
    "Aqsa",
    "Hira",
    "Mahnoor",
    "Anum",
    "Sidra",
    "Rukhsana",
    "Nadia",
    "Asma",
    "Tahira",
    "Sumaira",
    "Laiba",
    "Eman",
    "Areeba",
    "Noor",
    "Javeria",
    "Misbah",
    "Shabana",
    "Parveen",
    "Rehana",
    "Ghazala",
    "Saba",
)
SURNAMES = (
    "Khan",
    "Ahmed",
    "Ali",
    "Malik",
    "Butt",
    "Chaudhry",
    "Qureshi",
    "Sheikh",
    "Awan",
    "Raza",
    "Iqbal",
    "Hussain",
    "Rana",
    "Gill",
    "Bhatti",
    "Cheema",
    "Warraich",
    "Gondal",
    "Virk",
    "Sandhu",
    "Javed",
    "Aslam",
    "Akhtar",
    "Rehman",
    "Siddiqui",
    "Abbasi",
    "Mughal",
    "Janjua",
    "Tarar",
    "Bajwa",
    "Dogar",
    "Khokhar",
    "Niazi",
    "Baloch",
    "Gilani",
    "Bukhari",
    "Shah",
    "Mirza",
    "Saleem",
    "Anwar",
    "Farooq",
    "Ansari",
)

# First four digits of a CNIC: province 3 (Punjab), then division and district codes. The fifth digit
# (tehsil) is drawn; the last digit is odd for men and even for women, as NADRA issues them.
CNIC_PREFIX = {
    "Attock": "3710",
    "Bahawalnagar": "3110",
    "Bahawalpur": "3120",
    "Bhakkar": "3810",
    "Chakwal": "3720",
    "Chiniot": "3340",
    "Dera Ghazi Khan": "3210",
    "Faisalabad": "3310",
    "Gujranwala": "3410",
    "Gujrat": "3420",
    "Hafizabad": "3430",
    "Jhang": "3320",
    "Jhelum": "3730",
    "Kasur": "3510",
    "Khanewal": "3620",
    "Khushab": "3820",
    "Lahore": "3520",
    "Layyah": "3220",
    "Lodhran": "3640",
    "Mandi Bahauddin": "3440",
    "Mianwali": "3830",
    "Multan": "3630",
    "Muzaffargarh": "3230",
    "Nankana Sahib": "3550",
    "Narowal": "3450",
    "Okara": "3530",
    "Pakpattan": "3610",
    "Rahim Yar Khan": "3130",
    "Rajanpur": "3240",
    "Rawalpindi": "3740",
    "Sahiwal": "3650",
    "Sargodha": "3840",
    "Sheikhupura": "3540",
    "Sialkot": "3460",
    "Toba Tek Singh": "3330",
    "Vehari": "3660",
}

# Mobile network prefixes after +92: Jazz 300–309, 320–325; Zong 310–318; Ufone 330–336; Telenor 340–347.
MOBILE_PREFIXES = (
    tuple(range(300, 310))
    + tuple(range(310, 319))
    + tuple(range(320, 326))
    + tuple(range(330, 337))
    + tuple(range(340, 348))
)

# Where people live: weights roughly follow the 2023 census (millions).
DISTRICT_WEIGHTS = {
    "Lahore": 13.0,
    "Faisalabad": 9.1,
    "Rawalpindi": 6.1,
    "Gujranwala": 5.9,
    "Multan": 5.4,
    "Rahim Yar Khan": 5.6,
    "Muzaffargarh": 5.0,
    "Bahawalpur": 4.3,
    "Sargodha": 4.3,
    "Sialkot": 4.5,
    "Sheikhupura": 4.0,
    "Kasur": 4.1,
    "Jhang": 3.1,
    "Okara": 3.5,
    "Dera Ghazi Khan": 3.0,
    "Vehari": 3.4,
    "Bahawalnagar": 3.5,
    "Gujrat": 3.2,
    "Khanewal": 3.4,
    "Sahiwal": 2.8,
    "Toba Tek Singh": 2.4,
    "Rajanpur": 2.4,
    "Layyah": 2.1,
    "Pakpattan": 2.1,
    "Mianwali": 1.8,
    "Attock": 2.2,
    "Lodhran": 1.9,
    "Chakwal": 1.7,
    "Bhakkar": 1.9,
    "Nankana Sahib": 1.6,
    "Mandi Bahauddin": 1.8,
    "Narowal": 1.9,
    "Hafizabad": 1.3,
    "Khushab": 1.5,
    "Jhelum": 1.4,
    "Chiniot": 1.6,
}

# Big cities get more clinics and institutions than their population alone would give them.
BIG_CITIES = ("Lahore", "Rawalpindi", "Faisalabad", "Multan", "Gujranwala")

# Towns per district, used in clinic names (THQ hospitals, health units).
TOWNS = {
    "Lahore": ("Shalimar", "Raiwind", "Model Town", "Samanabad", "Wagah", "Iqbal Town", "Cantt", "Gulberg"),
    "Rawalpindi": ("Gujar Khan", "Kahuta", "Murree", "Taxila", "Kotli Sattian", "Kallar Syedan", "Satellite Town"),
    "Faisalabad": ("Jaranwala", "Samundri", "Tandlianwala", "Chak Jhumra", "Madina Town", "Ghulam Muhammadabad"),
    "Multan": ("Shujabad", "Jalalpur Pirwala", "Shah Rukn-e-Alam", "Mumtazabad", "Qadirpur Raan"),
    "Gujranwala": ("Kamoke", "Wazirabad", "Nowshera Virkan", "Qila Didar Singh", "Peoples Colony"),
}
DEFAULT_TOWN_SUFFIXES = ("City", "Saddar", "Chowk", "Mandi", "Road")

# --- names in Urdu -------------------------------------------------------------------------------
# Beside the English names above, never instead of them: the generator looks these up after drawing,
# so they add no random draws and the English data stays as it was. Districts come from the portal's
# Urdu catalogue (portal/districts.py).

TOWNS_UR = {
    "Shalimar": "شالامار",
    "Raiwind": "رائے ونڈ",
    "Model Town": "ماڈل ٹاؤن",
    "Samanabad": "سمن آباد",
    "Wagah": "واہگہ",
    "Iqbal Town": "اقبال ٹاؤن",
    "Cantt": "کینٹ",
    "Gulberg": "گلبرگ",
    "Gujar Khan": "گوجر خان",
    "Kahuta": "کہوٹہ",
    "Murree": "مری",
    "Taxila": "ٹیکسلا",
    "Kotli Sattian": "کوٹلی ستیاں",
    "Kallar Syedan": "کلر سیداں",
    "Satellite Town": "سیٹلائٹ ٹاؤن",
    "Jaranwala": "جڑانوالہ",
    "Samundri": "سمندری",
    "Tandlianwala": "تاندلیانوالہ",
    "Chak Jhumra": "چک جھمرہ",
    "Madina Town": "مدینہ ٹاؤن",
    "Ghulam Muhammadabad": "غلام محمد آباد",
    "Shujabad": "شجاع آباد",
    "Jalalpur Pirwala": "جلال پور پیر والا",
    "Shah Rukn-e-Alam": "شاہ رکنِ عالم",
    "Mumtazabad": "ممتاز آباد",
    "Qadirpur Raan": "قادر پور راں",
    "Kamoke": "کامونکی",
    "Wazirabad": "وزیر آباد",
    "Nowshera Virkan": "نوشہرہ ورکاں",
    "Qila Didar Singh": "قلعہ دیدار سنگھ",
    "Peoples Colony": "پیپلز کالونی",
}
DEFAULT_TOWN_SUFFIXES_UR = {"City": "شہر", "Saddar": "صدر", "Chowk": "چوک", "Mandi": "منڈی", "Road": "روڈ"}

# The parts of the demo addresses and venues (between their commas) that are neither a district nor
# a town above, in Urdu: "Main Bazaar, Raiwind, Lahore" is "مین بازار، رائے ونڈ، لاہور" (place_ur).
PLACE_PARTS_UR = {
    "Hospital Road": "ہسپتال روڈ",
    "Main Bazaar": "مین بازار",
    "Main Bazar": "مین بازار",
    "Civil Lines": "سول لائنز",
    "Neela Gumbad": "نیلا گنبد",
    "Anarkali": "انارکلی",
    "Jail Road": "جیل روڈ",
    "Shadman": "شادمان",
    "Allama Shabbir Ahmad Usmani Road": "علامہ شبیر احمد عثمانی روڈ",
    "Queens Road": "کوئنز روڈ",
    "Ferozepur Road": "فیروز پور روڈ",
    "Murree Road": "مری روڈ",
    "Nishtar Road": "نشتر روڈ",
    "Circular Road": "سرکلر روڈ",
    "Shahi Road": "شاہی روڈ",
    "Block C": "سی بلاک",
    "Raja Bazar": "راجہ بازار",
    "G.T. Road": "جی ٹی روڈ",
    "Arfa Software Technology Park": "ارفع سافٹ ویئر ٹیکنالوجی پارک",
    "Quaid-e-Azam Campus": "قائداعظم کیمپس",
    "Quaid-i-Azam Campus": "قائداعظم کیمپس",
    "Canal Road": "کینال روڈ",
    "Shamsabad": "شمس آباد",
    "Bosan Road": "بوسن روڈ",
    "Kotwali Road": "کوتوالی روڈ",
    "Kutchery Road": "کچہری روڈ",
    "Rawalpindi IT Skills Centre": "راولپنڈی آئی ٹی اسکلز سینٹر",
    "Department of Computer Science": "شعبۂ کمپیوٹر سائنس",
    "Online": "آن لائن",
}
# "Room 4", "Lab 2": the word in Urdu, the number as it is.
NUMBERED_PLACES_UR = {"Room": "کمرہ", "Lab": "لیب", "Hall": "ہال", "Block": "بلاک", "Street": "گلی", "Gali": "گلی"}

TEACHING_HOSPITALS = (
    ("Mayo Hospital", "Lahore", "Neela Gumbad, Anarkali, Lahore"),
    ("Services Hospital", "Lahore", "Jail Road, Shadman, Lahore"),
    ("Jinnah Hospital", "Lahore", "Allama Shabbir Ahmad Usmani Road, Lahore"),
    ("Sir Ganga Ram Hospital", "Lahore", "Queens Road, Lahore"),
    ("Lahore General Hospital", "Lahore", "Ferozepur Road, Lahore"),
    ("Holy Family Hospital", "Rawalpindi", "Satellite Town, Rawalpindi"),
    ("Benazir Bhutto Hospital", "Rawalpindi", "Murree Road, Rawalpindi"),
    ("Allied Hospital", "Faisalabad", "Jail Road, Faisalabad"),
    ("Nishtar Hospital", "Multan", "Nishtar Road, Multan"),
    ("Gujranwala Teaching Hospital", "Gujranwala", "Civil Lines, Gujranwala"),
    ("Bahawal Victoria Hospital", "Bahawalpur", "Circular Road, Bahawalpur"),
    ("Sheikh Zayed Hospital", "Rahim Yar Khan", "Shahi Road, Rahim Yar Khan"),
)

TEACHING_HOSPITALS_UR = {
    "Mayo Hospital": "میو ہسپتال",
    "Services Hospital": "سروسز ہسپتال",
    "Jinnah Hospital": "جناح ہسپتال",
    "Sir Ganga Ram Hospital": "سر گنگا رام ہسپتال",
    "Lahore General Hospital": "لاہور جنرل ہسپتال",
    "Holy Family Hospital": "ہولی فیملی ہسپتال",
    "Benazir Bhutto Hospital": "بے نظیر بھٹو ہسپتال",
    "Allied Hospital": "الائیڈ ہسپتال",
    "Nishtar Hospital": "نشتر ہسپتال",
    "Gujranwala Teaching Hospital": "گوجرانوالہ ٹیچنگ ہسپتال",
    "Bahawal Victoria Hospital": "بہاول وکٹوریہ ہسپتال",
    "Sheikh Zayed Hospital": "شیخ زاید ہسپتال",
}

# Services by clinic type: (name, slot minutes, places per slot).
SERVICES_BY_TYPE = {
    "teaching_opd": (
        ("Medicine OPD", 10, 3),
        ("Paediatrics OPD", 10, 2),
        ("Gynaecology and obstetrics OPD", 15, 2),
        ("Eye OPD", 10, 2),
        ("ENT OPD", 10, 2),
        ("Dental OPD", 20, 1),
        ("Cardiology OPD", 15, 2),
        ("Dermatology OPD", 10, 2),
        ("Orthopaedics OPD", 15, 2),
    ),
    "dhq": (
        ("General OPD", 10, 3),
        ("Paediatrics OPD", 10, 2),
        ("Gynaecology OPD", 15, 2),
        ("Dental OPD", 20, 1),
        ("Eye OPD", 15, 1),
    ),
    "thq": (("General OPD", 10, 2), ("Mother and child health", 15, 2), ("Dental OPD", 20, 1)),
    "rhc": (("General OPD", 15, 2), ("Antenatal check-up", 20, 1), ("Child immunisation (EPI)", 10, 2)),
    "bhu": (("General OPD", 15, 1), ("Antenatal check-up", 20, 1), ("Family planning", 20, 1)),
    "dispensary": (("General OPD", 15, 1),),
    "vaccination": (
        ("Child immunisation (EPI)", 10, 2),
        ("Hepatitis B vaccination", 10, 1),
        ("Typhoid vaccination", 10, 1),
    ),
}
CLINIC_TYPE_NAMES = {
    "teaching_opd": "{name} OPD",
    "dhq": "DHQ Hospital {district}",
    "thq": "THQ Hospital {town}",
    "rhc": "Rural Health Centre {town}",
    "bhu": "Basic Health Unit {town}",
    "dispensary": "Government Dispensary {town}",
    "vaccination": "EPI Vaccination Centre {town}",
}
CLINIC_TYPE_NAMES_UR = {
    "teaching_opd": "{name} او پی ڈی",
    "dhq": "ڈی ایچ کیو ہسپتال {district}",
    "thq": "ٹی ایچ کیو ہسپتال {town}",
    "rhc": "دیہی مرکزِ صحت {town}",
    "bhu": "بنیادی مرکزِ صحت {town}",
    "dispensary": "سرکاری ڈسپنسری {town}",
    "vaccination": "ای پی آئی ویکسینیشن سینٹر {town}",
}
# Every service name the demo data uses (here and in portal/health/demo.py), in Urdu.
SERVICE_NAMES_UR = {
    "General OPD": "جنرل او پی ڈی",
    "Eye OPD": "آنکھوں کی او پی ڈی",
    "Dental": "دانتوں کا علاج",
    "TB screening": "ٹی بی کی اسکریننگ",
    "Medicine OPD": "میڈیسن او پی ڈی",
    "Paediatrics OPD": "بچوں کی او پی ڈی",
    "Gynaecology and obstetrics OPD": "زنانہ امراض و زچگی کی او پی ڈی",
    "ENT OPD": "ناک، کان اور گلے کی او پی ڈی",
    "Dental OPD": "دانتوں کی او پی ڈی",
    "Cardiology OPD": "امراضِ قلب کی او پی ڈی",
    "Dermatology OPD": "جلد کی او پی ڈی",
    "Orthopaedics OPD": "ہڈیوں اور جوڑوں کی او پی ڈی",
    "Gynaecology OPD": "زنانہ امراض کی او پی ڈی",
    "Mother and child health": "زچہ و بچہ کی صحت",
    "Antenatal check-up": "زچگی سے پہلے کا معائنہ",
    "Child immunisation (EPI)": "بچوں کی حفاظتی ٹیکہ جات (ای پی آئی)",
    "Family planning": "خاندانی منصوبہ بندی",
    "Hepatitis B vaccination": "ہیپاٹائٹس بی کی ویکسین",
    "Typhoid vaccination": "ٹائیفائیڈ کی ویکسین",
}

# How often each type appears among the non-teaching clinics of a district.
CLINIC_TYPE_WEIGHTS = {"thq": 2, "rhc": 3, "bhu": 5, "dispensary": 2, "vaccination": 2}

# Weekly hours (Monday=0): morning OPD six days, short Friday for Jumu'ah prayers.
OPD_HOURS = tuple((day, time(8, 0), time(14, 0), None, None) for day in range(4)) + (
    (4, time(8, 0), time(12, 0), None, None),
    (5, time(8, 0), time(13, 0), None, None),
)
HEALTH_UNIT_HOURS = tuple((day, time(8, 0), time(14, 0), time(11, 0), time(11, 30)) for day in (0, 1, 2, 3, 5)) + (
    (4, time(8, 0), time(12, 0), None, None),
)
VACCINATION_HOURS = tuple((day, time(9, 0), time(15, 0), time(13, 0), time(13, 30)) for day in (0, 1, 2, 3, 5))
HOURS_BY_TYPE = {
    "teaching_opd": OPD_HOURS,
    "dhq": OPD_HOURS,
    "thq": OPD_HOURS,
    "rhc": HEALTH_UNIT_HOURS,
    "bhu": HEALTH_UNIT_HOURS,
    "dispensary": HEALTH_UNIT_HOURS,
    "vaccination": VACCINATION_HOURS,
}
PRACTITIONERS = (
    "Dr. Saima Iqbal",
    "Dr. Asif Mehmood",
    "Dr. Farah Naz",
    "Dr. Khalid Javed",
    "Dr. Rubina Aslam",
    "Dr. Naveed Akhtar",
    "LHV Shamim Bibi",
    "Dr. Tahir Abbas",
    "Dr. Sobia Rana",
    "Dr. Adnan Cheema",
)
# Every doctor's or practitioner's name the demo data uses (here and in portal/health/demo.py), in Urdu
# letters, as a clinic would write them on an Urdu page ("LHV": a lady health visitor).
PRACTITIONERS_UR = {
    "Dr. Saima Iqbal": "ڈاکٹر صائمہ اقبال",
    "Dr. Asif Mehmood": "ڈاکٹر آصف محمود",
    "Dr. Farah Naz": "ڈاکٹر فرح ناز",
    "Dr. Khalid Javed": "ڈاکٹر خالد جاوید",
    "Dr. Rubina Aslam": "ڈاکٹر روبینہ اسلم",
    "Dr. Naveed Akhtar": "ڈاکٹر نوید اختر",
    "LHV Shamim Bibi": "ایل ایچ وی شمیم بی بی",
    "Dr. Tahir Abbas": "ڈاکٹر طاہر عباس",
    "Dr. Sobia Rana": "ڈاکٹر صوبیہ رانا",
    "Dr. Adnan Cheema": "ڈاکٹر عدنان چیمہ",
    "Dr. Sana Javed": "ڈاکٹر ثنا جاوید",
    "Dr. Kamran Aslam": "ڈاکٹر کامران اسلم",
    "Dr. Fatima Noor": "ڈاکٹر فاطمہ نور",
    "LHV Shazia Parveen": "ایل ایچ وی شازیہ پروین",
    "Dr. Asad Mehmood": "ڈاکٹر اسد محمود",
}

CANCEL_REASONS = ("Feeling better", "Travelling", "Found another clinic", "Family event", "Clinic closed early")
CLINIC_CANCEL_REASON = "Doctor on leave"
# The reasons above in Urdu, kept beside the English one on a cancelled demo appointment.
CANCEL_REASONS_UR = {
    "Feeling better": "طبیعت بہتر ہو گئی",
    "Travelling": "سفر پر ہیں",
    "Found another clinic": "دوسرا کلینک مل گیا",
    "Family event": "خاندانی تقریب",
    "Clinic closed early": "کلینک جلدی بند ہو گیا",
    CLINIC_CANCEL_REASON: "ڈاکٹر چھٹی پر ہیں",
}

# --- education ---------------------------------------------------------------------------------

# (name, type, district, address)
FIXED_INSTITUTIONS = (
    (
        "Information Technology University (ITU)",
        "university",
        "Lahore",
        "Arfa Software Technology Park, Ferozepur Road, Lahore",
    ),
    ("University of the Punjab", "university", "Lahore", "Quaid-e-Azam Campus, Canal Road, Lahore"),
    ("PMAS Arid Agriculture University", "university", "Rawalpindi", "Shamsabad, Murree Road, Rawalpindi"),
    ("Bahauddin Zakariya University", "university", "Multan", "Bosan Road, Multan"),
    ("Government College University Faisalabad", "university", "Faisalabad", "Kotwali Road, Faisalabad"),
    ("Punjab Skills Development Institute", "it_centre", "Gujranwala", "G.T. Road, Gujranwala"),
)
# Patterns for the rest: (type, name pattern).
INSTITUTION_PATTERNS = (
    ("it_centre", "e-Rozgaar Centre {district}"),
    ("it_centre", "PITB IT Training Centre {district}"),
    ("college", "Government Graduate College for Women {district}"),
    ("college", "Government Associate College {district}"),
    ("vocational", "Government Technical Training Institute {district}"),
    ("vocational", "PVTC Vocational Training Institute {district}"),
    ("school", "Government High School No. 1 {district}"),
)

FIXED_INSTITUTIONS_UR = {
    "Information Technology University (ITU)": "انفارمیشن ٹیکنالوجی یونیورسٹی (آئی ٹی یو)",
    "University of the Punjab": "جامعہ پنجاب",
    "PMAS Arid Agriculture University": "پیر مہر علی شاہ بارانی زرعی یونیورسٹی",
    "Bahauddin Zakariya University": "بہاء الدین زکریا یونیورسٹی",
    "Government College University Faisalabad": "گورنمنٹ کالج یونیورسٹی فیصل آباد",
    "Punjab Skills Development Institute": "پنجاب اسکلز ڈویلپمنٹ انسٹی ٹیوٹ",
}
INSTITUTION_PATTERNS_UR = {
    "e-Rozgaar Centre {district}": "ای روزگار سینٹر {district}",
    "PITB IT Training Centre {district}": "پی آئی ٹی بی آئی ٹی ٹریننگ سینٹر {district}",
    "Government Graduate College for Women {district}": "گورنمنٹ گریجویٹ کالج برائے خواتین {district}",
    "Government Associate College {district}": "گورنمنٹ ایسوسی ایٹ کالج {district}",
    "Government Technical Training Institute {district}": "گورنمنٹ ٹیکنیکل ٹریننگ انسٹی ٹیوٹ {district}",
    "PVTC Vocational Training Institute {district}": "پی وی ٹی سی ووکیشنل ٹریننگ انسٹی ٹیوٹ {district}",
    "Government High School No. 1 {district}": "گورنمنٹ ہائی اسکول نمبر 1 {district}",
}
# A generated course's description, in Urdu: its title and where it is taught.
COURSE_DESCRIPTION_UR = "{title}: {institution} میں پڑھایا جانے والا کورس۔"

# category → ((title, mode, fee in rupees, duration, weeks, certificate), ...)
COURSES_BY_CATEGORY = {
    "ai_data": (
        ("Introduction to Artificial Intelligence", "blended", 0, "8 weeks", 8, True),
        ("Machine Learning with Python", "on_site", 15000, "12 weeks", 12, True),
        ("Data Analytics with Excel and Power BI", "on_site", 5000, "8 weeks", 8, True),
        ("Generative AI for Professionals", "online", 0, "6 weeks", 6, True),
        ("Python for Data Science", "blended", 8000, "10 weeks", 10, True),
        ("Deep Learning Fundamentals", "on_site", 20000, "12 weeks", 12, True),
    ),
    "digital": (
        ("Basic Computer Skills (MS Office)", "on_site", 0, "6 weeks", 6, True),
        ("Web Development (HTML, CSS, JavaScript)", "on_site", 6000, "12 weeks", 12, True),
        ("Graphic Design with Canva and Photoshop", "blended", 3000, "8 weeks", 8, True),
        ("Digital Marketing", "online", 0, "6 weeks", 6, True),
        ("Freelancing on Fiverr and Upwork", "on_site", 0, "6 weeks", 6, True),
        ("E-commerce and Amazon Virtual Assistant", "blended", 5000, "8 weeks", 8, True),
        ("Mobile App Development with Flutter", "on_site", 10000, "12 weeks", 12, True),
        ("Cyber Security Essentials", "online", 4000, "8 weeks", 8, True),
    ),
    "health": (
        ("First Aid and CPR", "on_site", 0, "2 weeks", 2, True),
        ("Community Health Worker Basics", "on_site", 0, "8 weeks", 8, True),
        ("Maternal and Child Health Awareness", "on_site", 0, "4 weeks", 4, True),
        ("Nursing Assistant Certificate", "on_site", 12000, "16 weeks", 16, True),
    ),
    "languages": (
        ("Spoken English", "on_site", 3000, "8 weeks", 8, True),
        ("Chinese Language (HSK 1)", "blended", 5000, "12 weeks", 12, True),
        ("Arabic for Work Abroad", "on_site", 2000, "8 weeks", 8, True),
        ("Korean Language (EPS-TOPIK)", "on_site", 6000, "12 weeks", 12, True),
    ),
    "vocational": (
        ("Electrician (Domestic Wiring)", "on_site", 0, "12 weeks", 12, True),
        ("Solar PV Installation", "on_site", 4000, "8 weeks", 8, True),
        ("Mobile Phone Repair", "on_site", 3000, "8 weeks", 8, True),
        ("Tailoring and Dress Making", "on_site", 0, "12 weeks", 12, True),
        ("Beautician", "on_site", 2000, "12 weeks", 12, True),
        ("Auto Mechanic", "on_site", 0, "16 weeks", 16, True),
        ("Plumbing", "on_site", 0, "8 weeks", 8, True),
        ("Refrigeration and Air Conditioning (HVAC)", "on_site", 5000, "12 weeks", 12, True),
    ),
    "school": (
        ("Matric Mathematics Catch-up", "on_site", 0, "10 weeks", 10, False),
        ("FSc Pre-Engineering Mathematics Bridge", "on_site", 0, "8 weeks", 8, False),
    ),
}
COURSE_TITLES_UR = {
    "Introduction to Artificial Intelligence": "مصنوعی ذہانت کا تعارف",
    "Machine Learning with Python": "پائتھن کے ساتھ مشین لرننگ",
    "Data Analytics with Excel and Power BI": "ایکسل اور پاور بی آئی کے ساتھ ڈیٹا اینالیٹکس",
    "Generative AI for Professionals": "پیشہ ور افراد کے لیے جنریٹو اے آئی",
    "Python for Data Science": "ڈیٹا سائنس کے لیے پائتھن",
    "Deep Learning Fundamentals": "ڈیپ لرننگ کی بنیادی باتیں",
    "Basic Computer Skills (MS Office)": "کمپیوٹر کی بنیادی مہارتیں (ایم ایس آفس)",
    "Web Development (HTML, CSS, JavaScript)": "ویب ڈویلپمنٹ (ایچ ٹی ایم ایل، سی ایس ایس، جاوا اسکرپٹ)",
    "Graphic Design with Canva and Photoshop": "کینوا اور فوٹوشاپ کے ساتھ گرافک ڈیزائن",
    "Digital Marketing": "ڈیجیٹل مارکیٹنگ",
    "Freelancing on Fiverr and Upwork": "فائیور اور اپ ورک پر فری لانسنگ",
    "E-commerce and Amazon Virtual Assistant": "ای کامرس اور ایمیزون ورچوئل اسسٹنٹ",
    "Mobile App Development with Flutter": "فلٹر کے ساتھ موبائل ایپ ڈویلپمنٹ",
    "Cyber Security Essentials": "سائبر سکیورٹی کی بنیادی باتیں",
    "First Aid and CPR": "ابتدائی طبی امداد اور سی پی آر",
    "Community Health Worker Basics": "کمیونٹی ہیلتھ ورکر کی بنیادی تربیت",
    "Maternal and Child Health Awareness": "زچہ و بچہ کی صحت سے آگاہی",
    "Nursing Assistant Certificate": "نرسنگ اسسٹنٹ سرٹیفکیٹ",
    "Spoken English": "بول چال کی انگریزی",
    "Chinese Language (HSK 1)": "چینی زبان (ایچ ایس کے 1)",
    "Arabic for Work Abroad": "بیرونِ ملک کام کے لیے عربی",
    "Korean Language (EPS-TOPIK)": "کوریائی زبان (ای پی ایس ٹاپک)",
    "Electrician (Domestic Wiring)": "الیکٹریشن (گھریلو وائرنگ)",
    "Solar PV Installation": "سولر پینل کی تنصیب",
    "Mobile Phone Repair": "موبائل فون کی مرمت",
    "Tailoring and Dress Making": "سلائی اور کپڑوں کی تیاری",
    "Beautician": "بیوٹیشن",
    "Auto Mechanic": "آٹو مکینک",
    "Plumbing": "پلمبنگ",
    "Refrigeration and Air Conditioning (HVAC)": "ریفریجریشن اور ایئر کنڈیشننگ (ایچ وی اے سی)",
    "Matric Mathematics Catch-up": "میٹرک ریاضی کی اضافی کلاسیں",
    "FSc Pre-Engineering Mathematics Bridge": "ایف ایس سی پری انجینئرنگ: ریاضی کا برج کورس",
}
# Which categories each institution type teaches.
CATEGORIES_BY_TYPE = {
    "university": ("ai_data", "digital", "languages"),
    "it_centre": ("digital", "ai_data"),
    "college": ("digital", "languages", "health"),
    "vocational": ("vocational", "health"),
    "school": ("school", "digital"),
}
SECTION_SLOTS = (
    ("Morning cohort", time(9, 0), time(12, 0), "mon,wed,fri"),
    ("Afternoon cohort", time(14, 0), time(17, 0), "tue,thu"),
    ("Evening cohort", time(17, 30), time(20, 0), "mon,tue,wed,thu"),
    ("Weekend cohort", time(10, 0), time(14, 0), "sat,sun"),
)
# The demo cohorts' names in Urdu (by the English name): the slots above and the fixed demo sections
# (portal.education.demo); "cohort" is گروپ, as in the education catalogue.
SECTION_NAMES_UR = {
    "Morning cohort": "صبح کا گروپ",
    "Afternoon cohort": "دوپہر کا گروپ",
    "Evening cohort": "شام کا گروپ",
    "Weekend cohort": "ویک اینڈ کا گروپ",
    "Evening cohort (10 seats kept for women)": "شام کا گروپ (10 نشستیں خواتین کے لیے مخصوص)",
    "Last term": "پچھلا سیشن",
}
DROP_REASONS = ("Found a job", "Moved to another city", "Timing clash with work", "Family reasons")
