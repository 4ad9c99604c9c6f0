"""The ceiling: a bare Flask app answering "hello" under the same gunicorn settings as the portal.
No Flask page can be faster than this on the machine, so portal figures are reported as ratios to it."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "hello"
