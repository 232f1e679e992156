// A pre-started offline Lean: load the runtime (~10 s), then run exactly one job.
//
// Provisioning copies this file next to the patched lean.js, whose first line takes `Module`
// from globalThis.arenaPrestart and whose last line hands out `callMain`. Usage:
//   node prestart.js            waits for one line {"args": [...]} on stdin, then runs Lean
//   node prestart.js ARG...     runs Lean with ARG... as soon as the runtime is ready (early
//                               start: the program itself blocks on stdin for the job's data)
// In both cases the ready marker goes to stderr first. The job line is read byte by byte so
// that nothing after its newline is consumed: the rest of stdin belongs to Lean.
"use strict";
const fs = require("fs");

const READY = "ARENA-PRESTART-READY\n";
const earlyArgs = process.argv.slice(2);

function readLineSync(fd) {
  const bytes = [];
  const one = Buffer.alloc(1);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    let n;
    try {
      n = fs.readSync(fd, one, 0, 1, null);
    } catch (err) {
      if (err.code === "EAGAIN") {
        Atomics.wait(pause, 0, 0, 5);
        continue;
      }
      throw err;
    }
    if (n === 0 || one[0] === 10) break;
    bytes.push(one[0]);
  }
  return Buffer.from(bytes).toString("utf8");
}

globalThis.arenaPrestart = {
  module: {
    noInitialRun: true,
    onRuntimeInitialized() {
      fs.writeSync(2, READY);
      let args = earlyArgs;
      if (args.length === 0) {
        const line = readLineSync(0);
        if (line === "") process.exit(0); // closed without a job: the pool is shutting down
        args = JSON.parse(line).args;
      }
      globalThis.arenaPrestart.callMain(args);
    },
  },
};

require("./lean.js");
