// Entry point: registering the root element is enough; it pulls in the rest.
import './components/pdm-app.js';
