import base64

from odoo import http
from odoo.http import request
from odoo.tools import consteq, email_normalize

# A transparent 1x1 GIF: what mail clients load when the contact opens the email.
PIXEL = base64.b64decode(b"R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")


class CrmSequenceController(http.Controller):
    @http.route("/crm_sequence/open/<int:touch_id>/<string:token>", type="http", auth="public", methods=["GET"])
    def crm_sequence_open(self, touch_id, token, **kwargs):
        """Open tracking: only the token signed for this touch counts; the pixel is served either way."""
        touch = request.env["crm.sequence.touch"].sudo().browse(touch_id).exists()
        if touch and token.isascii() and consteq(touch._open_token(), token):
            touch._mark_opened()
        return request.make_response(
            PIXEL,
            headers=[
                ("Content-Type", "image/gif"),
                ("Cache-Control", "no-store"),
            ],
        )

    # csrf off: mail clients post RFC 8058's one-click without any session; the token is the proof
    @http.route("/crm_sequence/unsubscribe", type="http", auth="public", methods=["GET", "POST"], csrf=False)
    def crm_sequence_unsubscribe(self, email=None, token=None, **post):
        """Unsubscribe link and List-Unsubscribe URL of sequence emails.

        A GET only shows a confirmation button: mail scanners follow links. A POST with
        ``List-Unsubscribe=One-Click`` (the mail client's one-click, RFC 8058) or the
        page's confirmation unsubscribes the address the token was signed for. A wrong
        token gets the same answer whatever the address, and changes nothing.
        """
        Blacklist = request.env["mail.blacklist"].sudo()
        valid = Blacklist._crm_sequence_check_token(email, token)
        one_click = post.get("List-Unsubscribe") == "One-Click"
        if request.httprequest.method == "POST" and valid and (one_click or post.get("confirm") == "1"):
            Blacklist._crm_sequence_unsubscribe(
                email, request.env._("one-click unsubscribe") if one_click else request.env._("unsubscribe page")
            )
            if one_click:
                return request.make_response("", headers=[("Content-Type", "text/plain")])
            return request.render("crm_sequence.unsubscribe_page", {"state": "done", "email": email_normalize(email)})
        if not valid:
            return request.render("crm_sequence.unsubscribe_page", {"state": "invalid"}, status=404)
        return request.render(
            "crm_sequence.unsubscribe_page", {"state": "confirm", "email": email_normalize(email), "token": token}
        )
