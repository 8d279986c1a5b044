// hello.js: a componentize-js agent for world sluice:guests/js-command (../wit/world.wit).
// It exports wasi:cli/run and prints "hello from js" with console.log (stdout).
export const run = {
  run() {
    console.log('hello from js');
  },
};
