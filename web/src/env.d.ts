// Vite turns imported CSS into a hashed stylesheet <link>.
declare module "*.css";
