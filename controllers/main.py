import base64

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request
from odoo.tools import email_normalize

# A transparent 1x1 GIF: what mail clients load when the contact opens the email.
PIXEL = base64.b64decode(b"R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")


class CrmSequenceController(http.Controller):
    @http.route("/crm_sequence/open/<int:touch_id>/<string:token>", type="http", auth="public", methods=["GET"])
    def crm_sequence_open(self, touch_id, token, **kwargs):
        """Open tracking: only the token signed for this touch counts, judged a person's
        or a machine's (``crm.sequence.touch._crm_sequence_track``); the pixel is served
        either way."""
        self._crm_sequence_track("open", touch_id, token)
        return request.make_response(
            PIXEL,
            headers=[
                ("Content-Type", "image/gif"),
                ("Cache-Control", "no-store"),
            ],
        )

    @http.route("/r/<string:code>/s/<int:touch_id>/<string:token>", type="http", auth="public", methods=["GET"])
    def crm_sequence_click(self, code, touch_id, token, **kwargs):
        """A tracked link of a sequence email (Odoo's ``/r/<code>`` with the touch's
        suffix): the click is kept on its touch when the token is the touch's; a known
        link redirects whatever the rest says (as ``/r/<code>`` does), an unknown one
        is not found."""
        code_record = request.env["link.tracker.code"].sudo().search([("code", "=", code)], limit=1)
        if not code_record:
            raise NotFound()
        link = code_record.link_id
        self._crm_sequence_track("click", touch_id, token, link)
        return request.redirect(link.redirected_url, code=302, local=False)

    def _crm_sequence_track(self, kind, touch_id, token, link=None):
        """The request as Odoo gives it: the client address is the proxy's
        ``X-Forwarded-For`` only in proxy mode (odoo/http.py applies ProxyFix then)."""
        httprequest = request.httprequest
        request.env["crm.sequence.touch"].sudo()._crm_sequence_track(
            kind,
            touch_id,
            token,
            httprequest.method,
            httprequest.headers.get("User-Agent", ""),
            httprequest.remote_addr or "",
            link=link,
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
        # who the recipient leaves, whatever the token: the company of this Odoo (no sequence, no record)
        page = {"company": request.env.company.sudo()}
        one_click = post.get("List-Unsubscribe") == "One-Click"
        if request.httprequest.method == "POST" and valid and (one_click or post.get("confirm") == "1"):
            Blacklist._crm_sequence_unsubscribe(
                email, request.env._("one-click unsubscribe") if one_click else request.env._("unsubscribe page")
            )
            if one_click:
                return request.make_response("", headers=[("Content-Type", "text/plain")])
            return request.render(
                "crm_sequence.unsubscribe_page", {**page, "state": "done", "email": email_normalize(email)}
            )
        if not valid:
            return request.render("crm_sequence.unsubscribe_page", {**page, "state": "invalid"}, status=404)
        return request.render(
            "crm_sequence.unsubscribe_page",
            {**page, "state": "confirm", "email": email_normalize(email), "token": token},
        )
