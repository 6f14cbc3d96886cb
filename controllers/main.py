import base64

from odoo import http
from odoo.http import request
from odoo.tools import consteq

# A transparent 1x1 GIF: what mail clients load when the contact opens the email.
PIXEL = base64.b64decode(b"R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")


class CrmSequenceController(http.Controller):
    @http.route("/crm_sequence/open/<int:touch_id>/<string:token>", type="http", auth="public", methods=["GET"])
    def crm_sequence_open(self, touch_id, token, **kwargs):
        """Open tracking: only the token signed for this touch counts; the pixel is served either way."""
        touch = request.env["crm.sequence.touch"].sudo().browse(touch_id).exists()
        if touch and consteq(touch._open_token(), token):
            touch._mark_opened()
        return request.make_response(
            PIXEL,
            headers=[
                ("Content-Type", "image/gif"),
                ("Cache-Control", "no-store"),
            ],
        )
