from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReturnsConfig(AppConfig):
    name = "returns"
    verbose_name = _("Returns")

    def ready(self) -> None:
        from iconet.areas import AreaConfig, ItemType, register_area

        register_area(
            AreaConfig(
                code="returns",
                label=_("Returns"),
                nav_url="returns:list",
                order=40,
                item_types=(
                    ItemType(
                        "returns.ReturnProblem",
                        list_url="returns:list",
                        detail_url="returns:problem_detail",
                    ),
                    ItemType(
                        "returns.ReturnOperation",
                        list_url="returns:operation_list",
                        detail_url="returns:operation_detail",
                    ),
                ),
            )
        )
