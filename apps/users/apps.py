from django.apps import AppConfig
from django.db.models.signals import post_migrate


class UsersConfig(AppConfig):
    name = "apps.users"
    label = "users"

    def ready(self) -> None:
        # Imported here, not at the top: apps.py loads before the models exist.
        from apps.users.authentication import connect_token_receivers
        from apps.users.permissions_setup import grant_revops_permissions_after_migrate

        connect_token_receivers()

        # No sender: the receiver runs once per migrated app, after django.contrib.auth's
        # own receiver (connected earlier, in AuthConfig.ready) has created its permissions.
        post_migrate.connect(
            grant_revops_permissions_after_migrate,
            dispatch_uid="users.grant_revops_permissions",
        )
