"""A form that saves like the register's, for testing the benchmark's save driver (bench.wrk.run_saves).

A save must come with the cookie, name the version it was based on and change the status; it answers 302 to
the form's page, and otherwise 409 with the form at the stored version (or 302 to a login page without the
cookie).
"""
from flask import Flask, jsonify, redirect, request

app = Flask(__name__)
stored: dict[int, dict] = {}  # one worker: the state lives in this process


@app.get("/")
def ready():
    return "ok"


@app.post("/form/<int:number>")
def save(number):
    if request.cookies.get("bench") != "1":
        return redirect("/login")
    form = stored.setdefault(number, {"version": 5, "status": "planned", "saves": 0})
    if (request.form.get("version") != str(form["version"]) or request.form.get("status") == form["status"]
            or request.form.get("note") != 'a&b "c" æ'):
        return f'<input id="version" name="version" type="hidden" value="{form["version"]}">', 409
    form.update(version=form["version"] + 1, status=request.form["status"], saves=form["saves"] + 1)
    return redirect(f"/form/{number}")


@app.get("/form/<int:number>")
def show(number):
    return jsonify(stored.get(number))
