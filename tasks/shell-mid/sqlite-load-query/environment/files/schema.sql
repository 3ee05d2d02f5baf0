create table orders (id integer primary key, customer text, total real);
insert into orders values (1, 'ann', 250.0);
insert into orders values (2, 'bob', 99.5);
insert into orders values (3, 'cid', 100.0);
insert into orders values (4, 'ann', 101.25);
insert into orders values (5, 'dee', 12.0);
insert into orders values (6, 'eli', 500.0);
