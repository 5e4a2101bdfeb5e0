"""Version 1 of the report template: the standard format of Decision 2005/687/EC.

The headings follow the two parts named in the Decision's title and the subjects of
Regulation 377/2004 art. 2(2) (DESIGN.md 5.2); administrators can correct them as data.
"""

from django.db import migrations

STATISTICS_TABLE = {
    "rows": [
        {"key": "refusals_land", "label": "Refusals of entry – land borders"},
        {"key": "refusals_air", "label": "Refusals of entry – air borders"},
        {"key": "refusals_sea", "label": "Refusals of entry – sea borders"},
        {"key": "apprehensions", "label": "Apprehensions of irregular migrants"},
        {"key": "asylum_applications", "label": "Asylum applications"},
        {"key": "returns", "label": "Returns"},
        {"key": "facilitators", "label": "Facilitators apprehended"},
        {"key": "false_documents", "label": "False documents detected"},
    ],
    "columns": [
        {"key": "number", "label": "Number", "type": "number"},
        {"key": "nationalities", "label": "Top nationalities (ISO codes, most frequent first)", "type": "text"},
    ],
}

FOLLOW_UP_TABLE = {
    "rows": [{"key": f"action_{n}", "label": f"Action {n}"} for n in range(1, 6)],
    "columns": [
        {"key": "action", "label": "Action", "type": "text"},
        {"key": "owner", "label": "Owner", "type": "text"},
        {"key": "deadline", "label": "Deadline", "type": "date"},
    ],
}

# (part, heading, guidance, [(key, label, field type, help, table)])
SECTIONS = [
    ("I", "Composition of the network and changes", "Officers posted, arrivals and departures during the semester.", [
        ("composition", "Composition and changes", "long_text", "", None)]),
    ("I", "Meetings held", "Dates, places, participants and main decisions.", [
        ("meetings", "Meetings held", "long_text", "", None)]),
    ("I", "Information exchanged", "", [("information_exchanged", "Information exchanged", "long_text", "", None)]),
    ("I", "Coordinated positions towards carriers and their training", "", [
        ("carriers", "Positions towards carriers and carrier training", "long_text", "", None)]),
    ("I", "Joint training", "", [("joint_training", "Joint training", "long_text", "", None)]),
    ("I", "Sessions for consular staff", "", [("consular_sessions", "Sessions for consular staff", "long_text", "", None)]),
    ("I", "Common approaches to collecting and reporting information; joint risk analysis", "", [
        ("common_approaches", "Common approaches and joint risk analysis", "long_text", "", None)]),
    ("I", "Contacts with host authorities, international organisations and other networks", "", [
        ("contacts", "Contacts", "long_text", "", None)]),
    ("I", "Help to host authorities", "", [("host_help", "Help to host authorities", "long_text", "", None)]),
    ("I", "Support to return (identification, travel documents)", "", [
        ("return_support", "Support to return", "long_text", "", None)]),
    ("I", "Problems met", "", [("problems", "Problems met", "long_text", "", None)]),
    ("II", "General context and trend", "", [("context", "General context and trend", "long_text", "", None)]),
    ("II", "Flows originating in or transiting the host country", "", [
        ("flows", "Flows: volume and description", "long_text", "", None),
        ("flows_nationalities", "Main nationalities", "text", "ISO codes, most frequent first.", None)]),
    ("II", "Routes to the Member States", "", [("routes", "Routes to the Member States", "long_text", "", None)]),
    ("II", "Modus operandi (transport, intermediaries)", "", [
        ("modus_operandi", "Modus operandi", "long_text", "", None)]),
    ("II", "Criminal organisations involved in smuggling", "Structures and methods; never names of persons.", [
        ("criminal_organisations", "Criminal organisations", "long_text", "", None)]),
    ("II", "Incidents and events that may cause new developments", "", [
        ("incidents", "Incidents and events", "long_text", "", None)]),
    ("II", "Methods of counterfeiting or falsifying documents", "", [
        ("document_fraud", "Methods of document fraud", "long_text", "", None)]),
    ("II", "Ways to help the host country prevent flows", "", [
        ("prevention", "Ways to help prevent flows", "long_text", "", None)]),
    ("II", "Ways to ease return and readmission", "", [("readmission", "Ways to ease return and readmission", "long_text", "", None)]),
    ("II", "Legislation and legal practice", "", [("legislation", "Legislation and legal practice", "long_text", "", None)]),
    ("II", "Asylum and access to protection", "", [("asylum", "Asylum and access to protection", "long_text", "", None)]),
    ("II", "Statistics", "Aggregate figures for the semester; leave a cell empty when the figure is unknown.", [
        ("statistics", "Statistics of the semester", "table", "", STATISTICS_TABLE)]),
    ("III", "Assessment", "", [("assessment", "Assessment", "long_text", "", None)]),
    ("III", "Recommendations", "", [("recommendations", "Recommendations", "long_text", "", None)]),
    ("III", "Follow-up actions", "Who does what by when.", [
        ("follow_up", "Follow-up actions", "table", "", FOLLOW_UP_TABLE)]),
]


def load(apps, schema_editor):
    TemplateVersion = apps.get_model("ilo_reports", "TemplateVersion")
    TemplateSection = apps.get_model("ilo_reports", "TemplateSection")
    TemplateQuestion = apps.get_model("ilo_reports", "TemplateQuestion")
    version, created = TemplateVersion.objects.get_or_create(number=1, defaults={
        "title": "Standard format of the ILO network report",
        "source": "Commission Decision 2005/687/EC; Regulation (EC) No 377/2004, art. 2(2)",
        "active": True,
    })
    if not created:
        return
    for order, (part, heading, guidance, questions) in enumerate(SECTIONS, start=1):
        section = TemplateSection.objects.create(version=version, part=part, order=order, heading=heading, guidance=guidance)
        for q_order, (key, label, field_type, help_text, table) in enumerate(questions, start=1):
            TemplateQuestion.objects.create(
                section=section, order=q_order, key=key, label=label, field_type=field_type, help=help_text,
                table=table or {},
            )


def unload(apps, schema_editor):
    apps.get_model("ilo_reports", "TemplateVersion").objects.filter(number=1, reports__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("ilo_reports", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
