// `npm start`: the desktop app. Until the Electron shell lands (see ARCHITECTURE.md), say so
// plainly and point at what works today instead of failing with a stack trace.
console.log('The desktop app is not built yet. Everything works from the CLI today:');
console.log('  npm run wxprov -- demo     # the whole flow on the built-in simulator');
console.log('  npm run wxprov -- help     # every command');
