import helmet from 'helmet';

/**
 * helmet's headers with a Content-Security-Policy that allows only this origin: the page's script,
 * styles (Lit uses constructable stylesheets) and its Socket.IO connection come from here; the
 * favicon is a data: URL.
 */
export function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
    },
    // The page is served over plain HTTP on a shop's LAN: do not pin HTTPS.
    strictTransportSecurity: false,
  });
}
