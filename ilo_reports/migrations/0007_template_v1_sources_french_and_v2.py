"""Each section of the template says where its heading comes from; the texts of the template
are written in French too; version 2 adds the management of legal immigration.

Sources of version 1. Regulation (EC) No 377/2004, art. 2(2), lists what the liaison officers
gather on the host country: flows, routes, modus operandi, criminal organisations, incidents,
document fraud, ways to help the host country prevent flows, ways to ease return, legislation.
The two parts named in the title of Commission Decision 2005/687/EC (the activities of the
network, the situation in the host country) give the network's activities and the general
context and asylum headings. The composition of the network, help to host authorities,
support to return, problems met, the statistics table and Part III with its follow-up table
come from no text held here: they are marked as added for this portal.

Version 2 is a copy of version 1 with one more Part II heading, the management of legal
immigration that the definition of a liaison officer names (Regulation 377/2004, art. 1). It
is used for new reports; reports written in version 1 keep it.
"""

from django.db import migrations

REGULATION_ART_1 = "r377_art1"
REGULATION_ART_2_2 = "r377_art2_2"
DECISION = "d2005_687"
PORTAL = "portal"

# The first question's key of a section (stable across versions): its source.
SOURCES = {
    "composition": PORTAL,
    "meetings": DECISION,
    "information_exchanged": DECISION,
    "carriers": DECISION,
    "joint_training": DECISION,
    "consular_sessions": DECISION,
    "common_approaches": DECISION,
    "contacts": DECISION,
    "host_help": PORTAL,
    "return_support": PORTAL,
    "problems": PORTAL,
    "context": DECISION,
    "flows": REGULATION_ART_2_2,
    "routes": REGULATION_ART_2_2,
    "modus_operandi": REGULATION_ART_2_2,
    "criminal_organisations": REGULATION_ART_2_2,
    "incidents": REGULATION_ART_2_2,
    "document_fraud": REGULATION_ART_2_2,
    "prevention": REGULATION_ART_2_2,
    "readmission": REGULATION_ART_2_2,
    "legislation": REGULATION_ART_2_2,
    "asylum": DECISION,
    "statistics": PORTAL,
    "assessment": PORTAL,
    "recommendations": PORTAL,
    "follow_up": PORTAL,
    "legal_immigration": REGULATION_ART_1,
}

# English heading: (French heading, French guidance).
SECTIONS_FR = {
    "Composition of the network and changes": (
        "Composition du réseau et changements intervenus",
        "Officiers de liaison détachés, arrivées et départs au cours du semestre.",
    ),
    "Meetings held": ("Réunions tenues", "Dates, lieux, participants et principales décisions."),
    "Information exchanged": ("Informations échangées", ""),
    "Coordinated positions towards carriers and their training": (
        "Positions coordonnées à l’égard des transporteurs et formation de ceux-ci",
        "",
    ),
    "Joint training": ("Formations communes", ""),
    "Sessions for consular staff": ("Sessions à l’intention du personnel consulaire", ""),
    "Common approaches to collecting and reporting information; joint risk analysis": (
        "Approches communes en matière de collecte et de communication des informations ; "
        "analyse commune des risques",
        "",
    ),
    "Contacts with host authorities, international organisations and other networks": (
        "Contacts avec les autorités du pays hôte, les organisations internationales "
        "et d’autres réseaux",
        "",
    ),
    "Help to host authorities": ("Assistance aux autorités du pays hôte", ""),
    "Support to return (identification, travel documents)": (
        "Soutien au retour (identification, documents de voyage)",
        "",
    ),
    "Problems met": ("Difficultés rencontrées", ""),
    "General context and trend": ("Contexte général et tendances", ""),
    "Flows originating in or transiting the host country": (
        "Flux en provenance du pays hôte ou transitant par celui-ci",
        "",
    ),
    "Routes to the Member States": ("Itinéraires empruntés vers les États membres", ""),
    "Modus operandi (transport, intermediaries)": (
        "Modus operandi (moyens de transport, intermédiaires)",
        "",
    ),
    "Criminal organisations involved in smuggling": (
        "Organisations criminelles impliquées dans le trafic de migrants",
        "Structures et méthodes ; jamais de noms de personnes.",
    ),
    "Incidents and events that may cause new developments": (
        "Incidents et événements susceptibles d’entraîner de nouvelles évolutions",
        "",
    ),
    "Methods of counterfeiting or falsifying documents": (
        "Méthodes de contrefaçon ou de falsification des documents",
        "",
    ),
    "Ways to help the host country prevent flows": (
        "Moyens d’aider le pays hôte à prévenir les flux",
        "",
    ),
    "Ways to ease return and readmission": (
        "Moyens de faciliter le retour et la réadmission",
        "",
    ),
    "Legislation and legal practice": ("Législation et pratique juridique", ""),
    "Asylum and access to protection": ("Asile et accès à la protection", ""),
    "Statistics": (
        "Statistiques",
        "Chiffres agrégés du semestre ; laisser la case vide lorsque le chiffre n’est pas connu.",
    ),
    "Assessment": ("Évaluation", ""),
    "Recommendations": ("Recommandations", ""),
    "Follow-up actions": ("Actions de suivi", "Qui fait quoi, et dans quel délai."),
    "Management of legal immigration": (
        "Gestion de l’immigration légale",
        "Contribution des officiers de liaison à la gestion de l’immigration légale "
        "en provenance du pays hôte.",
    ),
}

# Question key: (French label, French help).
QUESTIONS_FR = {
    "composition": ("Composition et changements", ""),
    "meetings": ("Réunions tenues", ""),
    "information_exchanged": ("Informations échangées", ""),
    "carriers": ("Positions à l’égard des transporteurs et formation des transporteurs", ""),
    "joint_training": ("Formations communes", ""),
    "consular_sessions": ("Sessions à l’intention du personnel consulaire", ""),
    "common_approaches": ("Approches communes et analyse commune des risques", ""),
    "contacts": ("Contacts", ""),
    "host_help": ("Assistance aux autorités du pays hôte", ""),
    "return_support": ("Soutien au retour", ""),
    "problems": ("Difficultés rencontrées", ""),
    "context": ("Contexte général et tendances", ""),
    "flows": ("Flux : volume et description", ""),
    "flows_nationalities": ("Principales nationalités", ""),
    "routes": ("Itinéraires empruntés vers les États membres", ""),
    "modus_operandi": ("Modus operandi", ""),
    "criminal_organisations": ("Organisations criminelles", ""),
    "incidents": ("Incidents et événements", ""),
    "document_fraud": ("Méthodes de fraude documentaire", ""),
    "prevention": ("Moyens d’aider à prévenir les flux", ""),
    "readmission": ("Moyens de faciliter le retour et la réadmission", ""),
    "legislation": ("Législation et pratique juridique", ""),
    "asylum": ("Asile et accès à la protection", ""),
    "statistics": ("Statistiques du semestre", ""),
    "assessment": ("Évaluation", ""),
    "recommendations": ("Recommandations", ""),
    "follow_up": ("Actions de suivi", ""),
    "legal_immigration": ("Gestion de l’immigration légale", ""),
}

# Row or column key of a table: its French label.
TABLE_LABELS_FR = {
    "refusals_land": "Refus d’entrée – frontières terrestres",
    "refusals_air": "Refus d’entrée – frontières aériennes",
    "refusals_sea": "Refus d’entrée – frontières maritimes",
    "apprehensions": "Interpellations de migrants en situation irrégulière",
    "asylum_applications": "Demandes d’asile",
    "returns": "Retours",
    "facilitators": "Passeurs interpellés",
    "false_documents": "Faux documents détectés",
    "number": "Nombre",
    "nationalities": "Principales nationalités (par ordre de fréquence décroissante)",
    "action": "Action",
    "owner": "Responsable",
    "deadline": "Échéance",
    **{f"action_{n}": f"Action {n}" for n in range(1, 6)},
}

LEGAL_IMMIGRATION = {
    "part": "II",
    "heading": "Management of legal immigration",
    "guidance": "The officers' contribution to the management of legal immigration from the "
    "host country.",
    "key": "legal_immigration",
    "label": "Management of legal immigration",
    "after": "asylum",  # placed after the section of this question
}
VERSION_2_TITLE = "Standard format of the ILO network report, with legal immigration"


def table_with_french(table: dict) -> dict:
    for part in ("rows", "columns"):
        for entry in table.get(part, []):
            if not entry.get("label_fr") and entry.get("key") in TABLE_LABELS_FR:
                entry["label_fr"] = TABLE_LABELS_FR[entry["key"]]
    return table


def sources_and_french(apps, schema_editor):
    """Every section's source and the French of every text not yet written in French."""
    TemplateSection = apps.get_model("ilo_reports", "TemplateSection")
    TemplateQuestion = apps.get_model("ilo_reports", "TemplateQuestion")
    for section in TemplateSection.objects.prefetch_related("questions"):
        first = min(section.questions.all(), key=lambda q: q.order, default=None)
        fields = []
        if first is not None and first.key in SOURCES and section.version.number == 1:
            section.source = SOURCES[first.key]
            fields.append("source")
        heading_fr, guidance_fr = SECTIONS_FR.get(section.heading, ("", ""))
        if heading_fr and not section.heading_fr:
            section.heading_fr = heading_fr
            fields.append("heading_fr")
        if guidance_fr and section.guidance and not section.guidance_fr:
            section.guidance_fr = guidance_fr
            fields.append("guidance_fr")
        if fields:
            section.save(update_fields=fields)
    for question in TemplateQuestion.objects.all():
        label_fr, help_fr = QUESTIONS_FR.get(question.key, ("", ""))
        if label_fr and not question.label_fr:
            question.label_fr = label_fr
        if help_fr and question.help and not question.help_fr:
            question.help_fr = help_fr
        question.table = table_with_french(question.table or {})
        question.save(update_fields=["label_fr", "help_fr", "table"])


def version_2_load(apps, schema_editor):
    """Version 2: version 1 with the management of legal immigration, used for new reports."""
    TemplateVersion = apps.get_model("ilo_reports", "TemplateVersion")
    TemplateSection = apps.get_model("ilo_reports", "TemplateSection")
    TemplateQuestion = apps.get_model("ilo_reports", "TemplateQuestion")
    if TemplateQuestion.objects.filter(key=LEGAL_IMMIGRATION["key"]).exists():
        return
    version_1 = TemplateVersion.objects.filter(number=1).first()
    if version_1 is None:
        return
    latest = TemplateVersion.objects.order_by("-number").first()
    version = TemplateVersion.objects.create(
        number=latest.number + 1,
        title=VERSION_2_TITLE,
        source=(
            "Commission Decision 2005/687/EC; Regulation (EC) No 377/2004, art. 1 and 2(2); "
            "headings added for this portal"
        ),
        active=True,
    )
    order = 0
    for section in TemplateSection.objects.filter(version=version_1).order_by("order"):
        order += 1
        questions = list(TemplateQuestion.objects.filter(section=section).order_by("order"))
        copy = TemplateSection.objects.create(
            version=version,
            part=section.part,
            order=order,
            heading=section.heading,
            heading_fr=section.heading_fr,
            guidance=section.guidance,
            guidance_fr=section.guidance_fr,
            source=section.source,
        )
        for question in questions:
            TemplateQuestion.objects.create(
                section=copy,
                order=question.order,
                key=question.key,
                label=question.label,
                label_fr=question.label_fr,
                help=question.help,
                help_fr=question.help_fr,
                field_type=question.field_type,
                table=question.table,
            )
        if any(q.key == LEGAL_IMMIGRATION["after"] for q in questions):
            order += 1
            heading_fr, guidance_fr = SECTIONS_FR[LEGAL_IMMIGRATION["heading"]]
            added = TemplateSection.objects.create(
                version=version,
                part=LEGAL_IMMIGRATION["part"],
                order=order,
                heading=LEGAL_IMMIGRATION["heading"],
                heading_fr=heading_fr,
                guidance=LEGAL_IMMIGRATION["guidance"],
                guidance_fr=guidance_fr,
                source=SOURCES[LEGAL_IMMIGRATION["key"]],
            )
            TemplateQuestion.objects.create(
                section=added,
                order=1,
                key=LEGAL_IMMIGRATION["key"],
                label=LEGAL_IMMIGRATION["label"],
                label_fr=QUESTIONS_FR[LEGAL_IMMIGRATION["key"]][0],
                field_type="long_text",
            )
    TemplateVersion.objects.exclude(pk=version.pk).update(active=False)


def version_2_unload(apps, schema_editor):
    TemplateVersion = apps.get_model("ilo_reports", "TemplateVersion")
    TemplateVersion.objects.filter(
        sections__questions__key=LEGAL_IMMIGRATION["key"], reports__isnull=True
    ).delete()
    TemplateVersion.objects.filter(number=1).update(active=True)


class Migration(migrations.Migration):
    dependencies = [("ilo_reports", "0006_template_sources_and_french")]
    operations = [
        migrations.RunPython(sources_and_french, migrations.RunPython.noop),
        migrations.RunPython(version_2_load, version_2_unload),
    ]
