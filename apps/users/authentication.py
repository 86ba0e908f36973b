"""API tokens that expire, and end with the session that could reveal them.

A token is good for API_TOKEN_TTL from when it was issued; POST /api/v1/auth/token/ issues a
fresh one when the old one has expired. Signing out or changing the password deletes the
user's token (the receivers below, wired in UsersConfig.ready), so a token copied from a
session that ended stops working."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import pre_save
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from apps.users.models import User


def token_expired(token: Token) -> bool:
    return token.created < timezone.now() - settings.API_TOKEN_TTL


def issue_token(user: User) -> Token:
    """The user's token, replaced by a new one when it has expired."""
    token, created = Token.objects.get_or_create(user=user)
    if not created and token_expired(token):
        token.delete()
        token = Token.objects.create(user=user)
    return token


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise AuthenticationFailed(
                "This token has expired; request a new one at /api/v1/auth/token/."
            )
        return user, token


def revoke_token_on_logout(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        Token.objects.filter(user=user).delete()


def revoke_token_on_password_change(
    sender: Any, instance: User, update_fields: Any = None, **kwargs: Any
) -> None:
    """pre_save of User: a new password hash ends every token issued under the old one."""
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if stored is not None and stored != instance.password:
        Token.objects.filter(user_id=instance.pk).delete()


def connect_token_receivers() -> None:
    user_logged_out.connect(revoke_token_on_logout, dispatch_uid="users.revoke_token_on_logout")
    pre_save.connect(
        revoke_token_on_password_change,
        sender=User,
        dispatch_uid="users.revoke_token_on_password_change",
    )
