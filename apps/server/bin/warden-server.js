#!/usr/bin/env node
// The `warden-server` command. A committed file, so that packages depending on
// @warden/server get their bin link at install time, before anything is built.
import "../dist/main.js";
