"""Django admin: read-only. Contact details are personal data: lists show them masked (138****1234)."""

from django.contrib import admin

from yingshang.core.masking import mask_contact, mask_email, mask_phone
from yingshang.notifications.models import ChannelPreference, EnterpriseContact, Message


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "enterprise",
        "channel",
        "topic",
        "subject",
        "status",
        "masked_recipient",
        "read_at",
    ]
    list_filter = ["channel", "status", "topic"]
    search_fields = ["enterprise__uscc", "enterprise__name", "dedupe_key", "subject"]
    list_select_related = ["enterprise"]
    exclude = ["recipient"]
    readonly_fields = ["masked_recipient"]

    @admin.display(description="接收方")
    def masked_recipient(self, obj: Message) -> str:
        return mask_contact(obj.recipient)


@admin.register(EnterpriseContact)
class EnterpriseContactAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "contact_name", "masked_mobile", "masked_email", "updated_at"]
    search_fields = ["enterprise__uscc", "enterprise__name"]
    list_select_related = ["enterprise"]
    fields = ["enterprise", "contact_name", "masked_mobile", "masked_email", "updated_at"]
    readonly_fields = fields

    @admin.display(description="手机号")
    def masked_mobile(self, obj: EnterpriseContact) -> str:
        return mask_phone(obj.mobile)

    @admin.display(description="电子邮箱")
    def masked_email(self, obj: EnterpriseContact) -> str:
        return mask_email(obj.email)


@admin.register(ChannelPreference)
class ChannelPreferenceAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "channel", "opted_out", "updated_at"]
    list_filter = ["channel", "opted_out"]
    list_select_related = ["enterprise"]
