"""Where each heading of the report template comes from, as far as the texts read show it.

The table is kept beside the template (which is data an administrator may change) so that
the sections' labels can be checked against it. Each section is named by the key of its
first question, which stays the same across versions.

- Regulation (EC) No 377/2004, art. 4: the tasks of the local networks (meetings,
  information exchanged, positions towards carriers, joint training, sessions for consular
  staff, common approaches to collecting and reporting information, contacts with similar
  networks).
- Regulation (EC) No 377/2004, art. 2(2): what the liaison officers gather on the host
  country (Part II's subjects).
- Regulation (EC) No 377/2004, art. 1: the definition of a liaison officer, which names the
  management of legal immigration.
- Regulation (EU) No 493/2011 (amending 377/2004): the situation of asylum and access to
  protection, and the regions of particular interest.
- Regulation (EU) 2019/1240 (which replaced 377/2004): the joint-training topics and the
  reporting on follow-up actions.
- The CIREFI statistics format: the statistics table (refusals by land, air and sea with the
  top nationalities, apprehensions, asylum at the border and inland, removals, each with a
  trend).

The annex of Commission Decision 2005/687/EC, which set the report's format, could not be
read: no section claims it as its source.
"""

REGULATION_ART_1 = "r377_art1"
REGULATION_ART_2_2 = "r377_art2_2"
REGULATION_ART_4 = "r377_art4"
REGULATION_493_2011 = "r493_2011"
REGULATION_2019_1240 = "r2019_1240"
CIREFI = "cirefi"
DECISION = "d2005_687"
PORTAL = "portal"

# The key of a section's first question: the source of its heading.
SOURCES = {
    "composition": PORTAL,
    "meetings": REGULATION_ART_4,
    "information_exchanged": REGULATION_ART_4,
    "carriers": REGULATION_ART_4,
    "joint_training": REGULATION_ART_4,
    "consular_sessions": REGULATION_ART_4,
    "common_approaches": REGULATION_ART_4,
    "contacts": REGULATION_ART_4,
    "host_help": PORTAL,
    "return_support": PORTAL,
    "problems": PORTAL,
    "context": PORTAL,
    "flows": REGULATION_ART_2_2,
    "routes": REGULATION_ART_2_2,
    "modus_operandi": REGULATION_ART_2_2,
    "criminal_organisations": REGULATION_ART_2_2,
    "incidents": REGULATION_ART_2_2,
    "document_fraud": REGULATION_ART_2_2,
    "prevention": REGULATION_ART_2_2,
    "readmission": REGULATION_ART_2_2,
    "legislation": REGULATION_ART_2_2,
    "legal_immigration": REGULATION_ART_1,
    "asylum": REGULATION_493_2011,
    "regions_of_interest": REGULATION_493_2011,
    "statistics": CIREFI,
    "assessment": PORTAL,
    "recommendations": PORTAL,
    "follow_up": PORTAL,
}

# What each version says of its legal basis.
VERSION_SOURCE = (
    "Regulation (EC) No 377/2004, arts. 2(2) and 4; Regulation (EU) No 493/2011; "
    "CIREFI statistics format. The annex of Decision 2005/687/EC has not been checked."
)
VERSION_3_SOURCE = (
    "Regulation (EU) 2019/1240; Regulation (EC) No 377/2004, arts. 2(2) and 4; "
    "Regulation (EU) No 493/2011; CIREFI statistics format. "
    "The annex of Decision 2005/687/EC has not been checked."
)

# The answers a report needs before it is submitted (by question key).
REQUIRED = ("statistics", "assessment")
