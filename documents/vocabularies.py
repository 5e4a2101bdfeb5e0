"""The controlled vocabularies first loaded (migration 0002), after the EU's image archive of
false and authentic documents: code -> (English, French)."""

VOCABULARIES = {
    "category": (
        ("Document category", "Catégorie de document"),
        [
            ("passport", "Passport", "Passeport"),
            ("identity_card", "Identity card", "Carte d'identité"),
            ("visa", "Visa", "Visa"),
            ("residence_permit", "Residence permit", "Titre de séjour"),
            ("border_stamp", "Border-crossing stamp", "Cachet de franchissement de frontière"),
            ("seamans_book", "Seaman's book", "Livret de marin"),
            ("breeder_document", "Breeder document", "Document source"),
            ("laissez_passer", "Laissez-passer", "Laissez-passer"),
        ],
    ),
    "fraud_type": (
        ("Fraud type", "Type de fraude"),
        [
            ("counterfeit", "Counterfeit", "Contrefaçon"),
            ("forgery", "Forgery (alteration)", "Falsification (altération)"),
            (
                "fraudulently_obtained",
                "Genuine, obtained by fraud",
                "Authentique obtenu frauduleusement",
            ),
            ("impostor", "Impostor (look-alike)", "Usurpation d'identité (sosie)"),
            ("stolen_blank", "Stolen blank", "Document vierge volé"),
            ("fantasy", "Fantasy document", "Document fantaisiste"),
            ("visa_misuse", "Visa misuse", "Utilisation abusive de visa"),
        ],
    ),
    "altered_element": (
        ("Altered element", "Élément altéré"),
        [
            ("photo_substitution", "Photo substitution", "Substitution de photographie"),
            ("biodata_page", "Biodata page", "Page des données personnelles"),
            ("visa_sticker", "Visa sticker", "Vignette visa"),
            ("stamps", "Stamps", "Cachets"),
            ("pages", "Pages (substituted or removed)", "Pages (substituées ou retirées)"),
            ("mrz", "Machine-readable zone", "Zone de lecture automatique"),
        ],
    ),
    "security_feature": (
        ("Security feature", "Élément de sécurité"),
        [
            ("watermark", "Watermark", "Filigrane"),
            ("uv_fluorescence", "UV fluorescence", "Fluorescence UV"),
            (
                "ovd_hologram",
                "Optically variable device (hologram)",
                "Dispositif optiquement variable (hologramme)",
            ),
            ("intaglio", "Intaglio print", "Impression en taille-douce"),
            ("microprint", "Microprint", "Microimpression"),
            ("laser_perforation", "Laser perforation", "Perforation laser"),
            ("chip", "Contactless chip", "Puce sans contact"),
            ("security_thread", "Security thread", "Fil de sécurité"),
            ("guilloche", "Guilloche pattern", "Guillochis"),
        ],
    ),
    "production_method": (
        ("Production method", "Méthode de production"),
        [
            ("inkjet", "Inkjet printing", "Impression jet d'encre"),
            ("laser_printer", "Colour laser printing", "Impression laser couleur"),
            ("offset", "Offset printing", "Impression offset"),
            ("photocopy", "Photocopy", "Photocopie"),
            ("thermal_transfer", "Thermal transfer", "Transfert thermique"),
            ("manual", "Manual (by hand)", "Manuelle"),
        ],
    ),
}
