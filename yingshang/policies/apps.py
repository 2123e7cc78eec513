from django.apps import AppConfig

from yingshang.core import enterprise_page


class PoliciesConfig(AppConfig):
    name = "yingshang.policies"
    verbose_name = "政策找企业"

    def ready(self) -> None:
        # imported in ready(): pages reads policies' models, which load only once apps are ready
        from yingshang.policies import pages

        enterprise_page.register_section(pages.SECTION_TEMPLATE, pages.enterprise_section)
