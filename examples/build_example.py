"""Write ``digitalisering-overheid.xlsx``: the example questionnaire, rebuilt in XLSForm.

The questionnaire is reconstructed from the report "Hoe beoordelen ambtenaren de digitalisering
bij de overheid?" (I&O Research for Binnenlands Bestuur, March 2018); ``README.md`` maps every
table and figure of the report to its variables and lists what had to be guessed.

Run from the repository root::

    .venv/bin/python examples/build_example.py

Each sheet is one list of rows below. Every text is a ``(Dutch, English)`` pair. The workbook
is written deterministically: the same script gives the same bytes on every run.
"""

from __future__ import annotations

import datetime
import io
import sys
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

OUTPUT = Path(__file__).with_name("digitalisering-overheid.xlsx")

NL = "Nederlands (nl)"
EN = "English (en)"
LANGUAGES = (NL, EN)

#: Fieldwork ended on 8 March 2018; used for the workbook's dates and the zip entries' times.
FIXED_DATE = datetime.datetime(2018, 3, 8, 12, 0, 0)

Text = tuple[str, str]

GEMEENTE = "${org_type} = 'gemeente'"
REQUIRED: Text = (
    "Beantwoord deze vraag om verder te gaan.",
    "Please answer this question to continue.",
)
REQUIRED_STATEMENT: Text = (
    "Geef bij elke stelling een antwoord.",
    "Please answer every statement.",
)
AGREE_LABEL: Text = (
    "In hoeverre bent u het eens of oneens met de volgende stellingen?",
    "To what extent do you agree or disagree with the following statements?",
)


# -- row helpers --------------------------------------------------------------------------------


def question(
    type_: str,
    name: str,
    label: Text | None = None,
    *,
    hint: Text | None = None,
    required: Text | None = None,
    relevant: str | None = None,
    constraint: str | None = None,
    constraint_message: Text | None = None,
    calculation: str | None = None,
    appearance: str | None = None,
) -> dict[str, Any]:
    """Return one survey row; ``required`` is the message shown when the answer is missing."""
    return {
        "type": type_,
        "name": name,
        "label": label,
        "hint": hint,
        "required": "yes" if required else None,
        "required_message": required,
        "relevant": relevant,
        "constraint": constraint,
        "constraint_message": constraint_message,
        "calculation": calculation,
        "appearance": appearance,
    }


def begin(
    name: str, label: Text, *, relevant: str | None = None, appearance: str | None = None
) -> dict[str, Any]:
    return question("begin_group", name, label, relevant=relevant, appearance=appearance)


def end(name: str) -> dict[str, Any]:
    return {"type": "end_group", "name": name}


def grid(
    name: str,
    label: Text,
    list_name: str,
    statements: list[tuple[str, Text]],
    *,
    relevant: str | None = None,
) -> list[dict[str, Any]]:
    """Return a table-list group: statements that share one answer scale, one screen."""
    rows = [begin(name, label, relevant=relevant, appearance="table-list")]
    rows += [
        question(f"select_one {list_name}", item, text, required=REQUIRED_STATEMENT)
        for item, text in statements
    ]
    rows.append(end(name))
    return rows


# -- survey -------------------------------------------------------------------------------------

INTRO = [
    question(
        "note",
        "intro",
        (
            "Deze vragenlijst gaat over de digitalisering van de dienstverlening door de overheid:"
            " hoe ver is uw organisatie, hoe tevreden bent u daarover en wat helpt of belemmert"
            " de digitalisering? Er zijn geen goede of foute antwoorden. Uw antwoorden worden"
            " anoniem verwerkt. We beginnen met een paar vragen over uw werk.",
            "This questionnaire is about the digitalisation of government services: how far has"
            " your organisation got, how satisfied are you with that, and what helps or hinders"
            " digitalisation? There are no right or wrong answers. Your answers are processed"
            " anonymously. We start with a few questions about your work.",
        ),
    ),
]

PROFILE = [
    begin("sec_profile", ("Over uzelf", "About you")),
    begin("pg_profile", ("Uw werk", "Your work"), appearance="field-list"),
    question(
        "select_one org_type",
        "org_type",
        ("Bij welk type organisatie werkt u?", "What type of organisation do you work for?"),
        required=REQUIRED,
    ),
    question(
        "select_one domain",
        "domain",
        ("Op welk werkterrein bent u vooral actief?", "In which field do you mainly work?"),
        hint=(
            "Kies het terrein waarop u de meeste tijd werkt. Werkt u op het gebied van ICT,"
            " ook zonder specialistische ICT-functie, kies dan ‘ICT / digitalisering /"
            " informatievoorziening’.",
            "Choose the field you spend most of your time on. If you work in the field of ICT,"
            " even without a specialist ICT position, choose ‘ICT / digitalisation /"
            " information management’.",
        ),
        required=REQUIRED,
    ),
    question(
        "select_one function",
        "function",
        ("Wat is uw functie?", "What is your position?"),
        required=REQUIRED,
    ),
    end("pg_profile"),
    question("calculate", "ict", calculation="if(${domain} = 'ict', 1, 0)"),
    question(
        "calculate",
        "org_word",
        calculation="if(${org_type} = 'gemeente', 'gemeente', 'organisatie')",
    ),
    question(
        "calculate",
        "org_word_en",
        calculation="if(${org_type} = 'gemeente', 'municipality', 'organisation')",
    ),
    end("sec_profile"),
]

DESIRABILITY = [
    begin("sec_desirability", ("Wenselijkheid digitalisering", "Desirability of digitalisation")),
    question(
        "select_one desirability",
        "desirability",
        (
            "Hoe wenselijk of onwenselijk is het wat u betreft dat alle overheidsdiensten ook"
            " online worden aangeboden?",
            "How desirable or undesirable is it, in your view, that all government services are"
            " also offered online?",
        ),
        required=REQUIRED,
    ),
    question(
        "text",
        "desirability_why",
        ("Waarom vindt u dat?", "Why do you think so?"),
        hint=(
            "Licht uw antwoord in een paar zinnen toe.",
            "Please explain your answer in a few sentences.",
        ),
        relevant="${desirability} != '' and ${desirability} != 'weet_niet'",
    ),
    end("sec_desirability"),
]

SATISFACTION = [
    begin("sec_satisfaction", ("Tevredenheid", "Satisfaction")),
    question(
        "select_one satisfaction",
        "satisfaction",
        (
            "Hoe tevreden of ontevreden bent u met de resultaten die de digitalisering van"
            " dienstverlening in uw ${org_word} tot nu toe heeft opgeleverd?",
            "How satisfied or dissatisfied are you with the results that the digitalisation of"
            " services in your ${org_word_en} has delivered so far?",
        ),
        required=REQUIRED,
    ),
    *grid(
        "grid_policy",
        (
            "In hoeverre bent u het eens of oneens met de volgende stellingen over digitalisering"
            " in uw gemeente?",
            "To what extent do you agree or disagree with the following statements about"
            " digitalisation in your municipality?",
        ),
        "agree",
        [
            (
                "st_priority",
                (
                    "De ambtelijke top van mijn gemeente geeft voldoende prioriteit aan"
                    " digitalisering.",
                    "The senior management of my municipality gives sufficient priority to"
                    " digitalisation.",
                ),
            ),
            (
                "st_budget",
                (
                    "Mijn gemeente hanteert voldoende budget voor digitalisering.",
                    "My municipality allocates sufficient budget to digitalisation.",
                ),
            ),
            (
                "st_funds",
                (
                    "Mijn gemeente heeft te weinig financiële middelen voor digitalisering.",
                    "My municipality has too few financial resources for digitalisation.",
                ),
            ),
            (
                "st_rijk_budget",
                (
                    "Het Rijk stelt onvoldoende budget beschikbaar aan gemeenten voor"
                    " digitalisering.",
                    "Central government makes too little budget available to municipalities for"
                    " digitalisation.",
                ),
            ),
            (
                "st_law",
                (
                    "Wetgeving maakt digitalisering onnodig moeilijk.",
                    "Legislation makes digitalisation unnecessarily difficult.",
                ),
            ),
        ],
        relevant=GEMEENTE,
    ),
    end("sec_satisfaction"),
]

MATURITY = [
    begin("sec_maturity", ("Digitale volwassenheid", "Digital maturity")),
    question(
        "select_one maturity",
        "maturity",
        (
            "Hoe digitaal is het producten- en dienstenaanbod van uw ${org_word}? Kunt u dit"
            " indelen in een van de volgende vier niveaus?",
            "How digital is the range of products and services of your ${org_word_en}? Can you"
            " place it in one of the following four levels?",
        ),
        hint=(
            "Het gaat om het gemiddelde niveau van alle producten en diensten samen.",
            "This is about the average level of all products and services together.",
        ),
        required=REQUIRED,
    ),
    question(
        "integer",
        "pct_digital",
        (
            "Hoeveel procent van alle contacten tussen burgers en de gemeente waar u werkt"
            " verloopt digitaal? Kunt u daarvan een schatting maken en uitdrukken in een"
            " percentage?",
            "What percentage of all contacts between citizens and the municipality you work for"
            " takes place digitally? Can you estimate this and express it as a percentage?",
        ),
        hint=(
            "Een schatting is voldoende. Vul een getal in van 0 tot en met 100.",
            "An estimate is enough. Enter a number from 0 to 100.",
        ),
        relevant=GEMEENTE,
        constraint=". >= 0 and . <= 100",
        constraint_message=(
            "Vul een percentage in van 0 tot en met 100.",
            "Enter a percentage from 0 to 100.",
        ),
    ),
    end("sec_maturity"),
]

SKILLS = [
    begin("sec_skills", ("Kennis en vaardigheden", "Knowledge and skills"), relevant=GEMEENTE),
    *grid(
        "grid_skills",
        (
            "In hoeverre bent u het eens of oneens met de volgende stellingen over kennis,"
            " vaardigheden en ondersteuning op het gebied van digitalisering?",
            "To what extent do you agree or disagree with the following statements about"
            " knowledge, skills and support in the field of digitalisation?",
        ),
        "agree",
        [
            (
                "st_skills",
                (
                    "Ambtenaren binnen mijn gemeente zijn digitaal voldoende vaardig voor het"
                    " uitoefenen van hun taak.",
                    "Civil servants in my municipality are digitally skilled enough to perform"
                    " their tasks.",
                ),
            ),
            (
                "st_knowledge",
                (
                    "De kennis van collega-ambtenaren binnen mijn gemeente over digitalisering is"
                    " toereikend voor het uitoefenen van hun taak.",
                    "The knowledge of fellow civil servants in my municipality about"
                    " digitalisation is sufficient to perform their tasks.",
                ),
            ),
            (
                "st_contracts",
                (
                    "Langlopende contracten tussen mijn gemeente en leveranciers remmen nieuwe"
                    " mogelijkheden.",
                    "Long-term contracts between my municipality and suppliers hold back new"
                    " possibilities.",
                ),
            ),
            (
                "st_innovative",
                ("Mijn gemeente is zeer innovatief.", "My municipality is very innovative."),
            ),
            (
                "st_political",
                (
                    "De politieke betrokkenheid van het college van burgemeester en wethouders in"
                    " mijn gemeente bij digitalisering is groot genoeg.",
                    "The political involvement of the mayor and aldermen of my municipality in"
                    " digitalisation is large enough.",
                ),
            ),
            (
                "st_staff",
                (
                    "Het is onmogelijk personeel te vinden, waarmee we als gemeente de"
                    " ontwikkelingen in de ICT bij kunnen houden.",
                    "It is impossible to find staff with whom we as a municipality can keep up"
                    " with developments in ICT.",
                ),
            ),
            (
                "st_support",
                (
                    "Er is genoeg steun vanuit landelijke platforms zoals VNG Realisatie voor"
                    " digitale innovatie.",
                    "There is enough support from national platforms such as VNG Realisatie for"
                    " digital innovation.",
                ),
            ),
            (
                "st_pace",
                (
                    "Mijn gemeente digitaliseert minstens net zo snel als gemiddeld in de"
                    " samenleving gebeurt (vergeleken met detailhandel, banken, zorgsector, etc.).",
                    "My municipality digitalises at least as fast as society does on average"
                    " (compared with retail, banks, the healthcare sector, etc.).",
                ),
            ),
        ],
    ),
    end("sec_skills"),
]

DIGITAAL_2017 = [
    begin("sec_d2017", ("Programma Digitaal 2017", "The Digitaal 2017 programme")),
    question(
        "select_one promise",
        "promise",
        (
            "De Rijksoverheid heeft de afgelopen jaren beloften gedaan over digitalisering van"
            " overheidsdienstverlening. Het was de bedoeling dat via het programma ‘Digitaal"
            " 2017’ overheidsdienstverlening in 2017 volledig digitaal zou kunnen verlopen."
            " Burgers en ondernemers zouden in 2017 dus al hun contact met de overheid digitaal"
            " kunnen afhandelen. In welke mate heeft de overheid voldaan aan deze belofte, vindt"
            " u?",
            "In recent years, central government has made promises about the digitalisation of"
            " government services. The intention was that, through the ‘Digitaal 2017’"
            " programme, government services could be fully digital in 2017. Citizens and"
            " businesses would thus be able to handle all their contact with the government"
            " digitally in 2017. To what extent has the government kept this promise, in your"
            " view?",
        ),
        required=REQUIRED,
    ),
    question(
        "text",
        "promise_causes",
        (
            "Wat zijn er volgens u de oorzaken van dat aan de belofte van Digitaal 2017 nog niet"
            " (volledig) is voldaan?",
            "In your view, what are the causes of the Digitaal 2017 promise not (yet) being"
            " (fully) kept?",
        ),
        relevant="${promise} != '' and ${promise} != 'volledig' and ${promise} != 'weet_niet'",
    ),
    end("sec_d2017"),
]

FACTORS = [
    begin(
        "sec_factors",
        ("Stimulansen en belemmeringen", "Incentives and obstacles"),
        relevant=GEMEENTE,
    ),
    *grid(
        "grid_factors",
        (
            "Kunt u aangeven in welke mate onderstaande factoren een stimulans of belemmering"
            " vormen voor de digitalisering bij uw gemeente?",
            "Can you indicate to what extent the factors below are an incentive or an obstacle"
            " to digitalisation in your municipality?",
        ),
        "stimulus",
        [
            ("fac_management", ("De directie", "Senior management")),
            (
                "fac_executive",
                ("Het gemeentebestuur", "The municipal executive (mayor and aldermen)"),
            ),
            ("fac_council", ("De gemeenteraad", "The municipal council")),
            (
                "fac_ict_knowledge",
                (
                    "Kennis van ICT’ers binnen onze organisatie",
                    "Knowledge of the ICT staff in our organisation",
                ),
            ),
            ("fac_law", ("Wetgeving", "Legislation")),
            (
                "fac_contracts",
                (
                    "Langlopende contracten met ICT-aanbieders",
                    "Long-term contracts with ICT suppliers",
                ),
            ),
        ],
    ),
    end("sec_factors"),
]

FUTURE = [
    begin("sec_future", ("Volledig digitale overheid", "A fully digital government")),
    question(
        "select_one year",
        "when_digital",
        (
            "Denkt u dat het ooit zover zal komen dat burgers en ondernemers al hun contact met"
            " de overheid digitaal kunnen afhandelen? Zo ja, in welk jaar schat u dat dat het"
            " geval zal zijn?",
            "Do you think it will ever come to the point where citizens and businesses can"
            " handle all their contact with the government digitally? If so, in which year do"
            " you estimate that will be the case?",
        ),
        required=REQUIRED,
    ),
    end("sec_future"),
]

PROGRAMMES = [
    begin("sec_programmes", ("Programma’s voor digitalisering", "Digitalisation programmes")),
    question(
        "note",
        "programmes_intro",
        (
            "Er waren de afgelopen jaren diverse programma’s en initiatieven die tot doel hadden"
            " de digitalisering van de overheid te bewerkstelligen: het programma Digitaal 2017,"
            " de Digitale Agenda 2020, activiteiten van de Digicommissaris, het Digiprogramma en"
            " wetgeving zoals de wet GDI (generieke digitale infrastructuur).",
            "In recent years there have been several programmes and initiatives aimed at"
            " digitalising the government: the Digitaal 2017 programme, the Digitale Agenda"
            " 2020, the activities of the Digicommissaris (national digital commissioner), the"
            " Digiprogramma and legislation such as the GDI Act (generic digital"
            " infrastructure).",
        ),
    ),
    *grid(
        "grid_programmes",
        AGREE_LABEL,
        "agree",
        [
            (
                "prog_unclear",
                (
                    "Het is mij onduidelijk of de programma’s voor digitalisering van BZK iets"
                    " hebben bijgedragen aan de digitalisering van mijn organisatie.",
                    "It is unclear to me whether the digitalisation programmes of the Ministry of"
                    " the Interior (BZK) have contributed anything to the digitalisation of my"
                    " organisation.",
                ),
            ),
            (
                "prog_too_many",
                (
                    "Er zijn te veel programma’s voor de digitalisering van de overheid.",
                    "There are too many programmes for the digitalisation of the government.",
                ),
            ),
            (
                "prog_inefficient",
                (
                    "De programma’s vanuit het ministerie van BZK om de overheid te digitaliseren"
                    " missen doelmatigheid.",
                    "The programmes of the Ministry of the Interior (BZK) to digitalise the"
                    " government lack efficiency.",
                ),
            ),
            (
                "prog_useful",
                (
                    "Voor de digitalisering van mijn organisatie was het programma Digitaal 2017"
                    " zeer nuttig.",
                    "For the digitalisation of my organisation, the Digitaal 2017 programme was"
                    " very useful.",
                ),
            ),
            (
                "prog_without",
                (
                    "Onze organisatie was niet zover geweest met de digitalisering zonder het"
                    " programma Digitaal 2017.",
                    "Our organisation would not have got this far with digitalisation without"
                    " the Digitaal 2017 programme.",
                ),
            ),
            (
                "prog_rutte3",
                (
                    "De digitalisering van de overheid is in het kabinet Rutte III voldoende"
                    " gewaarborgd.",
                    "The digitalisation of the government is sufficiently safeguarded in the"
                    " Rutte III cabinet.",
                ),
            ),
            (
                "prog_digicom",
                (
                    "Het zou goed zijn als er opnieuw een Digicommissaris zou komen.",
                    "It would be good if there were a Digicommissaris again.",
                ),
            ),
            (
                "prog_minister",
                (
                    "Er zou een ‘minister van ICT’ of ‘minister van digitalisering’ moeten komen.",
                    "There should be a ‘minister for ICT’ or ‘minister for digitalisation’.",
                ),
            ),
        ],
    ),
    question(
        "select_multiple programmes",
        "programmes",
        (
            "Welk of welke van deze programma’s hebben – vindt u – echt bijgedragen aan de"
            " digitalisering van de overheid?",
            "Which of these programmes – in your view – really contributed to the"
            " digitalisation of the government?",
        ),
        hint=("Meerdere antwoorden mogelijk.", "More than one answer possible."),
        required=REQUIRED,
        constraint=(
            "not((selected(., 'geen') or selected(., 'weet_niet')) and count-selected(.) > 1)"
        ),
        constraint_message=(
            "‘Geen van deze’ en ‘Weet ik niet’ kunt u niet combineren met een ander antwoord.",
            "‘None of these’ and ‘I don't know’ cannot be combined with another answer.",
        ),
    ),
    question(
        "text",
        "programmes_other",
        ("Welk ander programma bedoelt u?", "Which other programme do you mean?"),
        relevant="selected(${programmes}, 'anders')",
    ),
    end("sec_programmes"),
]

CLOSING = [
    question(
        "note",
        "outro",
        (
            "Dit waren alle vragen. Hartelijk dank voor uw medewerking!",
            "These were all the questions. Thank you very much for taking part!",
        ),
    ),
]

SURVEY = [
    *INTRO,
    *PROFILE,
    *DESIRABILITY,
    *SATISFACTION,
    *MATURITY,
    *SKILLS,
    *DIGITAAL_2017,
    *FACTORS,
    *FUTURE,
    *PROGRAMMES,
    *CLOSING,
]

# -- choices ------------------------------------------------------------------------------------

CHOICES: dict[str, list[tuple[str, Text]]] = {
    # Tabel 4.1, in the report's order.
    "org_type": [
        ("gemeente", ("Gemeente", "Municipality")),
        ("rijk", ("Rijksoverheid", "Central government")),
        ("provincie_waterschap", ("Provincie / waterschap", "Province / water authority")),
        (
            "uitvoering",
            (
                "Uitvoeringsorganisatie (ZBO / RWT)",
                "Implementing agency (independent administrative body)",
            ),
        ),
        (
            "veiligheid",
            (
                "Veiligheid (politie, brandweer, justitie)",
                "Safety and security (police, fire service, justice)",
            ),
        ),
        ("onderwijs", ("Onderwijs", "Education")),
        ("zorg_welzijn", ("Zorg en welzijn", "Health and welfare")),
        ("overig", ("Overig", "Other")),
    ],
    # Tabel 4.2 only separates ICT from "overige domeinen"; the other fields are reconstructed.
    "domain": [
        (
            "ict",
            (
                "ICT / digitalisering / informatievoorziening",
                "ICT / digitalisation / information management",
            ),
        ),
        ("dienstverlening", ("Dienstverlening en publiekszaken", "Public services")),
        (
            "bedrijfsvoering",
            (
                "Bedrijfsvoering (financiën, personeel, facilitair, juridisch)",
                "Operations (finance, HR, facilities, legal)",
            ),
        ),
        ("sociaal", ("Sociaal domein, zorg en welzijn", "Social domain, health and welfare")),
        (
            "ruimte",
            (
                "Ruimtelijke ordening, wonen, milieu en verkeer",
                "Spatial planning, housing, environment and traffic",
            ),
        ),
        ("veiligheid", ("Openbare orde en veiligheid", "Public order and safety")),
        ("economie", ("Economie en werkgelegenheid", "Economy and employment")),
        ("onderwijs", ("Onderwijs, cultuur en sport", "Education, culture and sport")),
        (
            "bestuur",
            (
                "Bestuursondersteuning en communicatie",
                "Support of the executive and communication",
            ),
        ),
        ("anders", ("Anders", "Other")),
    ],
    # Tabel 4.2, in the report's order.
    "function": [
        ("directie", ("Directie/management", "Board/senior management")),
        ("afdelingshoofd", ("Afdelingshoofd/manager", "Head of department/manager")),
        ("coordinator", ("Coördinator/projectleider", "Coordinator/project leader")),
        ("beleid", ("Beleidsambtenaar", "Policy officer")),
        (
            "specialist_ict",
            (
                "Specialistische functie ICT / digitalisering",
                "Specialist position in ICT / digitalisation",
            ),
        ),
        (
            "specialist_overig",
            (
                "Specialistische functie anders (niet ICT)",
                "Other specialist position (not ICT)",
            ),
        ),
        ("staf", ("Staffunctie", "Staff position")),
        ("anders", ("Anders", "Other")),
    ],
    # Tabel 3.1.
    "desirability": [
        ("wenselijk", ("Wenselijk", "Desirable")),
        (
            "neutraal",
            (
                "Niet wenselijk, maar ook niet onwenselijk",
                "Not desirable, but not undesirable either",
            ),
        ),
        ("onwenselijk", ("Onwenselijk", "Undesirable")),
        ("weet_niet", ("Weet ik niet", "I don't know")),
    ],
    # Tabel 3.2 prints the collapsed scale; these are its five points.
    "satisfaction": [
        ("zeer_tevreden", ("Zeer tevreden", "Very satisfied")),
        ("tamelijk_tevreden", ("Tamelijk tevreden", "Fairly satisfied")),
        (
            "neutraal",
            ("Niet tevreden, niet ontevreden", "Neither satisfied nor dissatisfied"),
        ),
        ("tamelijk_ontevreden", ("Tamelijk ontevreden", "Fairly dissatisfied")),
        ("zeer_ontevreden", ("Zeer ontevreden", "Very dissatisfied")),
        ("weet_niet", ("Weet niet / n.v.t.", "Don't know / not applicable")),
    ],
    # Figuur 3.1, 3.3 and 3.5, Tabel 3.4: no result shows a neutral category.
    "agree": [
        ("helemaal_eens", ("Helemaal mee eens", "Strongly agree")),
        ("eens", ("Mee eens", "Agree")),
        ("oneens", ("Mee oneens", "Disagree")),
        ("helemaal_oneens", ("Helemaal mee oneens", "Strongly disagree")),
        ("weet_niet", ("Weet niet", "Don't know")),
    ],
    # Tabel 3.3, labels as printed (including "ingevuld weer verzonden").
    "maturity": [
        (
            "niveau1",
            (
                "Gemiddeld niveau 1: 0% - 32% = digitaal\n"
                "meeste producten worden niet digitaal aangeboden",
                "Average level 1: 0% - 32% digital\nmost products are not offered digitally",
            ),
        ),
        (
            "niveau2",
            (
                "Gemiddeld niveau 2: 33% - 65% = digitaal\n"
                "meeste producten kunnen minimaal worden gedownload en geprint",
                "Average level 2: 33% - 65% digital\n"
                "most products can at least be downloaded and printed",
            ),
        ),
        (
            "niveau3",
            (
                "Gemiddeld niveau 3: 66% - 95% = digitaal\n"
                "meeste producten kunnen minimaal worden gedownload, ingevuld weer verzonden",
                "Average level 3: 66% - 95% digital\n"
                "most products can at least be downloaded, filled in and sent back",
            ),
        ),
        (
            "niveau4",
            (
                "Gemiddeld niveau 4: 96% - 100% = digitaal\n"
                "(bijna) alle producten kunnen volledig digitaal worden opgevraagd en"
                " teruggestuurd, via vooraf ingevuld formulier",
                "Average level 4: 96% - 100% digital\n"
                "(almost) all products can be requested and returned fully digitally, using a"
                " pre-filled form",
            ),
        ),
        ("weet_niet", ("Weet niet / n.v.t.", "Don't know / not applicable")),
    ],
    # Tabel 3.5 (Digitaal 2017).
    "promise": [
        ("volledig", ("… volledig voldaan", "… fully kept")),
        ("grotendeels", ("… grotendeels voldaan", "… largely kept")),
        ("helft", ("… ongeveer voor de helft voldaan", "… about half kept")),
        ("minder_helft", ("… voor minder dan de helft voldaan", "… less than half kept")),
        ("nauwelijks", ("… nauwelijks tot niet voldaan", "… hardly or not kept")),
        ("weet_niet", ("weet ik niet", "I don't know")),
    ],
    # Figuur 3.4: the text speaks of a "(sterke) stimulans"; the middle point is reconstructed.
    "stimulus": [
        ("sterke_stimulans", ("Sterke stimulans", "Strong incentive")),
        ("stimulans", ("Stimulans", "Incentive")),
        ("neutraal", ("Geen stimulans en geen belemmering", "Neither incentive nor obstacle")),
        ("belemmering", ("Belemmering", "Obstacle")),
        ("sterke_belemmering", ("Sterke belemmering", "Strong obstacle")),
        ("weet_niet", ("Weet niet", "Don't know")),
    ],
    # Tabel 3.5 (year), the answer bands as printed.
    "year": [
        ("nooit", ("Dat gaat nooit gebeuren", "That will never happen")),
        ("y2018", ("In 2018 (is nu al bijna zover)", "In 2018 (we are almost there now)")),
        *((f"y{year}", (f"In {year}", f"In {year}")) for year in range(2019, 2025)),
        *(
            (f"y{start}_{stop}", (f"Tussen {start} – {stop}", f"Between {start} – {stop}"))
            for start, stop in ((2025, 2030), (2030, 2035), (2035, 2040), (2040, 2050))
        ),
        ("na_2050", ("Na 2050", "After 2050")),
        ("weet_niet", ("Weet ik niet", "I don't know")),
    ],
    # Tabel 3.6, in the report's order.
    "programmes": [
        ("digitale_agenda", ("Digitale Agenda 2020", "Digitale Agenda 2020")),
        ("digitaal_2017", ("Programma Digitaal 2017", "The Digitaal 2017 programme")),
        ("digicommissaris", ("Digicommissaris", "Digicommissaris")),
        ("digiprogramma", ("Digiprogramma", "Digiprogramma")),
        ("wet_gdi", ("Wet GDI", "GDI Act")),
        ("anders", ("Iets anders", "Something else")),
        ("geen", ("Geen van deze", "None of these")),
        ("weet_niet", ("Weet ik niet", "I don't know")),
    ],
}

SETTINGS = {
    "form_title": "Hoe beoordelen ambtenaren de digitalisering bij de overheid?",
    "form_id": "digitalisering_overheid",
    "version": "2018-02",
    "default_language": NL,
}

# -- workbook -----------------------------------------------------------------------------------

#: What a question is about, in a few words, for the findings of a report (peiling's own
#: column ``peiling::subject``): "Gevraagd naar het online aanbieden van ...".
SUBJECTS: dict[str, Text] = {
    "desirability": (
        "het online aanbieden van alle overheidsdiensten",
        "offering all government services online",
    ),
    "satisfaction": (
        "de resultaten van de digitalisering tot nu toe",
        "the results of digitalisation so far",
    ),
    "maturity": (
        "hoe digitaal het aanbod van producten en diensten is",
        "how digital the range of products and services is",
    ),
    "pct_digital": ("het aandeel digitale contacten", "the share of digital contacts"),
    "promise": ("de belofte van Digitaal 2017", "the promise of Digitaal 2017"),
    "when_digital": (
        "een volledig digitale overheid",
        "a fully digital government",
    ),
    "programmes": (
        "de programma's die echt hebben bijgedragen",
        "the programmes that really contributed",
    ),
}

TRANSLATED = ("label", "hint", "required_message", "constraint_message", "peiling::subject")
SURVEY_COLUMNS = (
    "type",
    "name",
    "label",
    "hint",
    "required",
    "required_message",
    "relevant",
    "constraint",
    "constraint_message",
    "calculation",
    "appearance",
    "peiling::subject",
)


def _header(columns: tuple[str, ...]) -> list[str]:
    return [
        f"{column}::{language}" if column in TRANSLATED else column
        for column in columns
        for language in (LANGUAGES if column in TRANSLATED else (None,))
    ]


def survey_rows() -> list[list[str | None]]:
    rows: list[list[str | None]] = [_header(SURVEY_COLUMNS)]
    for row in SURVEY:
        cells: list[str | None] = []
        for column in SURVEY_COLUMNS:
            value = row.get(column)
            if column == "peiling::subject":
                value = SUBJECTS.get(str(row.get("name")))
            if column in TRANSLATED:
                cells += list(value) if value else [None, None]
            else:
                cells.append(value)
        rows.append(cells)
    return rows


def choice_rows() -> list[list[str | None]]:
    rows: list[list[str | None]] = [["list_name", "name", *_header(("label",))]]
    for list_name, choices in CHOICES.items():
        rows += [[list_name, name, *label] for name, label in choices]
    return rows


def settings_rows() -> list[list[str | None]]:
    return [list(SETTINGS), list(SETTINGS.values())]


def build_workbook() -> Workbook:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in (
        ("survey", survey_rows()),
        ("choices", choice_rows()),
        ("settings", settings_rows()),
    ):
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
    workbook.properties.creator = "peiling"
    workbook.properties.title = SETTINGS["form_title"]
    workbook.properties.created = FIXED_DATE
    workbook.properties.modified = FIXED_DATE
    return workbook


def save_deterministic(workbook: Workbook, path: Path) -> None:
    """Save ``workbook`` so that equal content gives equal bytes.

    ``openpyxl.save_workbook`` stamps the current time into the core properties and into every
    zip entry, so write through ``ExcelWriter`` and re-pack the entries with a fixed time.
    """
    buffer = io.BytesIO()
    ExcelWriter(workbook, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    with (
        zipfile.ZipFile(buffer) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=FIXED_DATE.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(entry.filename))


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else OUTPUT
    save_deterministic(build_workbook(), path)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
