// The page's elements by id (index.html), for the modules that drive them.
export const $ = (id) => document.getElementById(id);
